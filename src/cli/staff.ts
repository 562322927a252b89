import type { INestApplicationContext } from '@nestjs/common';
import * as bcrypt from 'bcryptjs';
import { assertClaimsValid, PASSWORD_HASH_ROUNDS } from '../auth/auth.service';
import { Clock } from '../common/time/clock';
import { isUniqueViolation } from '../database/driver-errors';
import { TransactionRunner } from '../database/transaction-runner';
import type { RoleClaim } from '../users/roles';
import { User } from '../users/user.entity';
import { UserErrors } from '../users/user.errors';
import { UsersService } from '../users/users.service';

export interface StaffInput {
  username: string;
  password: string;
  name?: string;
  roles: RoleClaim[];
}

/** Creates an office account with a password and scoped roles (CLI and tests). */
export async function createStaffUser(app: INestApplicationContext, input: StaffInput): Promise<User> {
  if (input.password.length < 8) throw new Error('password must have at least 8 characters');
  const passwordHash = await bcrypt.hash(input.password, PASSWORD_HASH_ROUNDS);
  const now = app.get(Clock).now();
  const users = app.get(UsersService);
  try {
    return await app.get(TransactionRunner).run(async (m) => {
      await assertClaimsValid(m, input.roles);
      const repo = m.getRepository(User);
      const user = await repo.save(repo.create({ username: input.username, passwordHash, name: input.name ?? input.username, createdAt: now, updatedAt: now }));
      await users.addGrants(m, user.id, input.roles);
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw UserErrors.USERNAME_TAKEN.error();
    throw error;
  }
}
