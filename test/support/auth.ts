import type TestAgent from 'supertest/lib/agent';
import type { RoleClaim } from '../../src/users/roles';

export interface Session {
  token: string;
  refreshToken: string;
  userId: number;
  auth: { Authorization: string };
}

/** Logs in through the dev login (as the mini-program tests would) and returns the bearer header. */
export async function devLogin(http: TestAgent, openid: string, roles: RoleClaim[] = [], name?: string): Promise<Session> {
  const response = await http.post('/api/v1/auth/dev/login').send({ openid, roles, ...(name ? { name } : {}) });
  if (response.status !== 200) throw new Error(`dev login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    token: response.body.accessToken,
    refreshToken: response.body.refreshToken,
    userId: response.body.user.id,
    auth: { Authorization: `Bearer ${response.body.accessToken}` },
  };
}
