import { JwtService } from '@nestjs/jwt';
import { DomainError } from '../common/errors/domain-error';
import { AccessTokenVerifier } from './access-token.verifier';

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'NOT_CODED';
  }
};

describe('AccessTokenVerifier', () => {
  const jwt = new JwtService({ secret: 'unit-test-secret', signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } });
  const start = Date.UTC(2026, 10, 22, 8, 0, 0);
  let now = start;
  beforeEach(() => {
    now = start;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  const bearer = (payload: object, expiresIn = 900) => `Bearer ${jwt.sign(payload, { expiresIn })}`;

  it('answers the principal of a valid token, the second time without verifying again', () => {
    const verifier = new AccessTokenVerifier(jwt);
    const verify = jest.spyOn(jwt, 'verify');
    const header = bearer({ sub: 42, typ: 'access', roles: [{ role: 'member' }] });
    expect(verifier.principalOf(header)).toEqual({ id: 42, roles: [{ role: 'member' }] });
    expect(verifier.principalOf(header)).toEqual({ id: 42, roles: [{ role: 'member' }] });
    expect(verify).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(verifier.principalOf(header).roles)).toBe(true);
  });

  it('stops answering for a remembered token once it expires, by jsonwebtoken\'s rule', () => {
    const verifier = new AccessTokenVerifier(jwt);
    const header = bearer({ sub: 1, typ: 'access', roles: [] }, 60);
    expect(verifier.principalOf(header).id).toBe(1);
    now = start + 59_999;
    expect(verifier.principalOf(header).id).toBe(1);
    now = start + 60_000;
    expect(codeOf(() => verifier.principalOf(header))).toBe('TOKEN_EXPIRED');
    // And again after it was dropped: jsonwebtoken itself says expired.
    expect(codeOf(() => verifier.principalOf(header))).toBe('TOKEN_EXPIRED');
  });

  it('refuses a token whose signature differs from a remembered one with the same payload', () => {
    const verifier = new AccessTokenVerifier(jwt);
    const header = bearer({ sub: 5, typ: 'access', roles: [] });
    verifier.principalOf(header);
    const forged = `${header.slice(0, -4)}${header.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(codeOf(() => verifier.principalOf(forged))).toBe('TOKEN_INVALID');
    const otherKey = new JwtService({ secret: 'another-secret' }).sign({ sub: 5, typ: 'access', roles: [] }, { expiresIn: 900 });
    expect(codeOf(() => verifier.principalOf(`Bearer ${otherKey}`))).toBe('TOKEN_INVALID');
  });

  it('refuses missing headers, refresh-like payloads and non-integer subjects, and never remembers a refusal', () => {
    const verifier = new AccessTokenVerifier(jwt);
    const verify = jest.spyOn(jwt, 'verify');
    expect(codeOf(() => verifier.principalOf(undefined))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => verifier.principalOf('Basic abc'))).toBe('UNAUTHENTICATED');
    const wrongType = bearer({ sub: 1, typ: 'refresh', roles: [] });
    const textSub = bearer({ sub: '1', typ: 'access', roles: [] });
    for (const header of [wrongType, wrongType, textSub]) expect(codeOf(() => verifier.principalOf(header))).toBe('TOKEN_INVALID');
    expect(verify).toHaveBeenCalledTimes(3);
    expect(verifier.userIdOf(wrongType)).toBeUndefined();
    expect(verifier.userIdOf(bearer({ sub: 9, typ: 'access', roles: [] }))).toBe(9);
  });
});
