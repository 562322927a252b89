import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Notifications (inbox, subscription credits, once-only notice keys), the transactional outbox, the
 * shared WeChat access token, and the wish indexes the timeout sweep reads.
 */
export class NotificationsOutbox1795334941332 implements MigrationInterface {
    name = 'NotificationsOutbox1795334941332'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`notification\` (\`id\` int NOT NULL AUTO_INCREMENT, \`user_id\` int NOT NULL, \`kind\` varchar(32) NOT NULL, \`title\` varchar(64) NOT NULL, \`body\` varchar(500) NOT NULL, \`wish_id\` int NULL, \`read_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`idx_notification_user\` (\`user_id\`, \`created_at\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`subscription_credit\` (\`user_id\` int NOT NULL, \`template_id\` varchar(64) NOT NULL, \`credits\` int NOT NULL DEFAULT '0', \`updated_at\` datetime(3) NOT NULL, PRIMARY KEY (\`user_id\`, \`template_id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`notice_sent\` (\`dedupe_key\` varchar(191) NOT NULL, \`created_at\` datetime(3) NOT NULL, PRIMARY KEY (\`dedupe_key\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`outbox\` (\`id\` int NOT NULL AUTO_INCREMENT, \`topic\` varchar(64) NOT NULL, \`payload\` text NOT NULL, \`status\` varchar(12) NOT NULL, \`attempts\` int NOT NULL DEFAULT '0', \`available_at\` datetime(3) NOT NULL, \`lease_owner\` varchar(80) NULL, \`lease_until\` datetime(3) NULL, \`last_error\` varchar(500) NULL, \`outcome\` varchar(64) NULL, \`dedupe_key\` varchar(191) NULL, \`created_at\` datetime(3) NOT NULL, \`done_at\` datetime(3) NULL, UNIQUE INDEX \`uq_outbox_dedupe\` (\`dedupe_key\`), INDEX \`idx_outbox_due\` (\`status\`, \`available_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`wechat_token\` (\`app_id\` varchar(64) NOT NULL, \`token_cipher\` varchar(1500) NULL, \`token_fingerprint\` varchar(32) NULL, \`expires_at\` datetime(3) NULL, \`refreshing_until\` datetime(3) NULL, \`refreshing_by\` varchar(64) NULL, \`updated_at\` datetime(3) NOT NULL, PRIMARY KEY (\`app_id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE INDEX \`idx_wish_status_fulfilled\` ON \`wish\` (\`status\`, \`fulfilled_at\`)`);
        await queryRunner.query(`CREATE INDEX \`idx_wish_status_claimed\` ON \`wish\` (\`status\`, \`claimed_at\`)`);
        await queryRunner.query(`ALTER TABLE \`notification\` ADD CONSTRAINT \`FK_928b7aa1754e08e1ed7052cb9d8\` FOREIGN KEY (\`user_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`notification\` ADD CONSTRAINT \`FK_e88cdc30c1b20478f73c8ef025d\` FOREIGN KEY (\`wish_id\`) REFERENCES \`wish\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`subscription_credit\` ADD CONSTRAINT \`FK_656ddb3c7c882ab154e32179cf2\` FOREIGN KEY (\`user_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`subscription_credit\` DROP FOREIGN KEY \`FK_656ddb3c7c882ab154e32179cf2\``);
        await queryRunner.query(`ALTER TABLE \`notification\` DROP FOREIGN KEY \`FK_e88cdc30c1b20478f73c8ef025d\``);
        await queryRunner.query(`ALTER TABLE \`notification\` DROP FOREIGN KEY \`FK_928b7aa1754e08e1ed7052cb9d8\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_status_claimed\` ON \`wish\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_status_fulfilled\` ON \`wish\``);
        await queryRunner.query(`DROP TABLE \`wechat_token\``);
        await queryRunner.query(`DROP INDEX \`idx_outbox_due\` ON \`outbox\``);
        await queryRunner.query(`DROP INDEX \`uq_outbox_dedupe\` ON \`outbox\``);
        await queryRunner.query(`DROP TABLE \`outbox\``);
        await queryRunner.query(`DROP TABLE \`notice_sent\``);
        await queryRunner.query(`DROP TABLE \`subscription_credit\``);
        await queryRunner.query(`DROP INDEX \`idx_notification_user\` ON \`notification\``);
        await queryRunner.query(`DROP TABLE \`notification\``);
    }

}
