import { EventSubscriber, EntitySubscriberInterface } from 'typeorm';
import type { AfterQueryEvent } from 'typeorm/subscriber/event/QueryEvent';

/**
 * Drops a MySQL connection whose query ran past DB_QUERY_TIMEOUT_MS.
 *
 * mysql2 reports the timeout (`PROTOCOL_SEQUENCE_TIMEOUT`) but keeps the connection, with the
 * unanswered query still at the head of its command queue. The ROLLBACK TypeORM sends next, and
 * every later query on that pooled connection, would queue behind it and wait for as long as the
 * server stays silent (a frozen server, a half-dead network path): the request hangs instead of
 * failing. Destroying the socket makes mysql2 fail the whole queue with PROTOCOL_CONNECTION_LOST
 * and take the connection out of the pool; the server rolls back whatever that connection had open.
 */
@EventSubscriber()
export class StuckConnectionSubscriber implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    // The driver's own error, before TypeORM wraps it in a QueryFailedError.
    const code = (event.error as { code?: string } | undefined)?.code;
    if (event.success || code !== 'PROTOCOL_SEQUENCE_TIMEOUT') return;
    const connection = (event.queryRunner as { databaseConnection?: { stream?: { destroy(): void } } }).databaseConnection;
    connection?.stream?.destroy();
  }
}
