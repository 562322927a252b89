import type { Response } from 'supertest';

const CHINESE = /[\u4e00-\u9fa5]/;

/**
 * Asserts a coded error answer: the HTTP status, `{ statusCode, code, message }` with the same
 * status in the body, a Chinese message for the user, the request id, and no internals.
 */
export function expectError(response: Response, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toMatchObject({ statusCode: status, code, message: expect.stringMatching(CHINESE) });
  expect(response.body.requestId).toBe(response.headers['x-request-id']);
  expect(JSON.stringify(response.body)).not.toMatch(/stack|QueryFailedError|SQLITE_|ER_[A-Z_]+|at \//);
}
