/** Recognises constraint violations on both drivers (better-sqlite3 codes, MySQL errnos). */
function driverError(error: unknown): { code?: string; errno?: number; message?: string } | undefined {
  return (error as { driverError?: { code?: string; errno?: number } })?.driverError ?? (error as { code?: string; errno?: number });
}

export function isForeignKeyViolation(error: unknown): boolean {
  const driver = driverError(error);
  return (
    driver?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ||
    // SQLite reports an ON DELETE RESTRICT refusal as a trigger constraint, not a foreign-key one.
    (driver?.code === 'SQLITE_CONSTRAINT_TRIGGER' && /FOREIGN KEY/i.test(driver.message ?? '')) ||
    driver?.errno === 1451 ||
    driver?.errno === 1452
  );
}

export function isUniqueViolation(error: unknown): boolean {
  const driver = driverError(error);
  return driver?.code === 'SQLITE_CONSTRAINT_UNIQUE' || driver?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || driver?.errno === 1062;
}
