import { MigrationInterface, QueryRunner } from "typeorm";

export class MediaContent1795335084206 implements MigrationInterface {
    name = 'MediaContent1795335084206'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`upload\` (\`id\` varchar(32) NOT NULL, \`owner_id\` int NOT NULL, \`mime\` varchar(16) NOT NULL, \`bytes\` int NOT NULL, \`width\` int NOT NULL, \`height\` int NOT NULL, \`storage_key\` varchar(128) NOT NULL, \`status\` varchar(12) NOT NULL, \`trace_id\` varchar(64) NULL, \`check_label\` int NULL, \`checked_at\` datetime(3) NULL, \`wish_id\` int NULL, \`role\` varchar(12) NULL, \`attached_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_upload_trace\` (\`trace_id\`), INDEX \`idx_upload_check\` (\`status\`, \`created_at\`), INDEX \`idx_upload_orphans\` (\`wish_id\`, \`created_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`ALTER TABLE \`region\` ADD \`require_fulfilment_photos\` tinyint NOT NULL DEFAULT 1`);
        await queryRunner.query(`ALTER TABLE \`upload\` ADD CONSTRAINT \`FK_cee4c6df158004c7abcb67b2e08\` FOREIGN KEY (\`owner_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`upload\` ADD CONSTRAINT \`FK_884d6d0191e2451ec91a49d289e\` FOREIGN KEY (\`wish_id\`) REFERENCES \`wish\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`upload\` DROP FOREIGN KEY \`FK_884d6d0191e2451ec91a49d289e\``);
        await queryRunner.query(`ALTER TABLE \`upload\` DROP FOREIGN KEY \`FK_cee4c6df158004c7abcb67b2e08\``);
        await queryRunner.query(`ALTER TABLE \`region\` DROP COLUMN \`require_fulfilment_photos\``);
        await queryRunner.query(`DROP INDEX \`idx_upload_orphans\` ON \`upload\``);
        await queryRunner.query(`DROP INDEX \`idx_upload_check\` ON \`upload\``);
        await queryRunner.query(`DROP INDEX \`uq_upload_trace\` ON \`upload\``);
        await queryRunner.query(`DROP TABLE \`upload\``);
    }

}
