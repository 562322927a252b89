import { MigrationInterface, QueryRunner } from "typeorm";

export class AuditDataRights1795336065795 implements MigrationInterface {
    name = 'AuditDataRights1795336065795'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`audit_log\` (\`id\` int NOT NULL AUTO_INCREMENT, \`actor_id\` int NULL, \`actor_role\` varchar(24) NOT NULL, \`action\` varchar(32) NOT NULL, \`target_type\` varchar(24) NOT NULL, \`target_id\` int NULL, \`region_path\` varchar(255) NULL, \`detail\` text NULL, \`ip\` varchar(45) NULL, \`user_agent\` varchar(200) NULL, \`request_id\` varchar(64) NULL, \`at\` datetime(3) NOT NULL, INDEX \`idx_audit_log_target\` (\`target_type\`, \`target_id\`), INDEX \`idx_audit_log_actor\` (\`actor_id\`, \`at\`), INDEX \`idx_audit_log_scope\` (\`region_path\`, \`at\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`ALTER TABLE \`app_user\` ADD \`deleted_at\` datetime(3) NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`app_user\` DROP COLUMN \`deleted_at\``);
        await queryRunner.query(`DROP INDEX \`idx_audit_log_scope\` ON \`audit_log\``);
        await queryRunner.query(`DROP INDEX \`idx_audit_log_actor\` ON \`audit_log\``);
        await queryRunner.query(`DROP INDEX \`idx_audit_log_target\` ON \`audit_log\``);
        await queryRunner.query(`DROP TABLE \`audit_log\``);
    }

}
