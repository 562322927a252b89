import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The dashboard's rollup rows changed layout (total rows above the community, found by their own
 * index; unit rows by category only in the community) and their histograms are stored packed.
 * The rows are recomputed by queueing every event again for the rollup worker, which rebuilds
 * them (and the member rollups it adds to) after start-up. Figures are partial until the queue
 * drains (`pendingEvents` in the summary says how far it is). Reverting does the same for the
 * code that runs then.
 */
export class DashboardRollupTotals1795344888298 implements MigrationInterface {
    name = 'DashboardRollupTotals1795344888298'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX \`idx_dashboard_rollup_totals\` ON \`dashboard_rollup\` (\`region_id\`, \`unit_id\`, \`category\`, \`channel\`, \`grain\`, \`bucket\`)`);
        await this.recompute(queryRunner);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`idx_dashboard_rollup_totals\` ON \`dashboard_rollup\``);
        await this.recompute(queryRunner);
    }

    private async recompute(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DELETE FROM \`dashboard_rollup\``);
        await queryRunner.query(`DELETE FROM \`dashboard_member_rollup\``);
        await queryRunner.query(`INSERT IGNORE INTO \`dashboard_rollup_queue\` (\`event_id\`, \`enqueued_at\`) SELECT \`id\`, UTC_TIMESTAMP(3) FROM \`wish_event\` ORDER BY \`wish_id\`, \`id\``);
    }
}
