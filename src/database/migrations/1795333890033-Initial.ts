import { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795333890033 implements MigrationInterface {
    name = 'Initial1795333890033'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // TypeORM creates its own bookkeeping table with the database default; make it utf8mb4 like every other table.
        await queryRunner.query(`ALTER TABLE \`${queryRunner.connection.options.migrationsTableName ?? 'migrations'}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`region\` (\`id\` int NOT NULL AUTO_INCREMENT, \`parent_id\` int NULL, \`level\` varchar(16) NOT NULL, \`name\` varchar(64) NOT NULL, \`path\` varchar(255) NOT NULL, \`auto_approve\` tinyint NOT NULL DEFAULT 0, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_region_path\` (\`path\`), UNIQUE INDEX \`uq_region_parent_name\` (\`parent_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`unit\` (\`id\` int NOT NULL AUTO_INCREMENT, \`name\` varchar(100) NOT NULL, \`kind\` varchar(16) NOT NULL, \`region_id\` int NOT NULL, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_unit_name\` (\`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`unit_pairing\` (\`id\` int NOT NULL AUTO_INCREMENT, \`unit_id\` int NOT NULL, \`community_id\` int NOT NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`idx_unit_pairing_community\` (\`community_id\`), UNIQUE INDEX \`uq_unit_pairing\` (\`unit_id\`, \`community_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`app_user\` (\`id\` int NOT NULL AUTO_INCREMENT, \`openid\` varchar(64) NULL, \`unionid\` varchar(64) NULL, \`session_key_cipher\` varchar(255) NULL, \`username\` varchar(64) NULL, \`password_hash\` varchar(100) NULL, \`name\` varchar(32) NULL, \`phone_cipher\` varchar(255) NULL, \`address\` varchar(200) NULL, \`community_id\` int NULL, \`failed_login_count\` int NOT NULL DEFAULT '0', \`locked_until\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, \`updated_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_user_openid\` (\`openid\`), UNIQUE INDEX \`uq_user_username\` (\`username\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`role_grant\` (\`id\` int NOT NULL AUTO_INCREMENT, \`user_id\` int NOT NULL, \`role\` varchar(24) NOT NULL, \`region_id\` int NULL, \`unit_id\` int NULL, \`scope_key\` varchar(24) NOT NULL, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_role_grant\` (\`user_id\`, \`role\`, \`scope_key\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`refresh_token\` (\`id\` int NOT NULL AUTO_INCREMENT, \`user_id\` int NOT NULL, \`token_hash\` varchar(64) NOT NULL, \`family_id\` varchar(36) NOT NULL, \`expires_at\` datetime(3) NOT NULL, \`used_at\` datetime(3) NULL, \`revoked_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`idx_refresh_token_user\` (\`user_id\`), UNIQUE INDEX \`uq_refresh_token_hash\` (\`token_hash\`), INDEX \`idx_refresh_token_family\` (\`family_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`member_registration\` (\`id\` int NOT NULL AUTO_INCREMENT, \`user_id\` int NOT NULL, \`unit_id\` int NOT NULL, \`community_id\` int NOT NULL, \`name\` varchar(32) NOT NULL, \`phone_cipher\` varchar(255) NOT NULL, \`skills\` text NOT NULL, \`status\` varchar(16) NOT NULL, \`open_slot\` tinyint NULL, \`decision_reason\` varchar(200) NULL, \`decided_by\` int NULL, \`decided_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`idx_member_registration_unit\` (\`unit_id\`), INDEX \`idx_member_registration_community_status\` (\`community_id\`, \`status\`), UNIQUE INDEX \`uq_member_registration_open\` (\`user_id\`, \`community_id\`, \`open_slot\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`wish\` (\`id\` int NOT NULL AUTO_INCREMENT, \`title\` varchar(40) NOT NULL, \`description\` varchar(500) NOT NULL, \`category\` varchar(16) NOT NULL, \`kind\` varchar(16) NOT NULL, \`estimated_cost\` int NULL, \`expected_by\` varchar(10) NULL, \`photo_ids\` text NOT NULL, \`community_id\` int NOT NULL, \`region_path\` varchar(255) NOT NULL, \`resident_id\` int NULL, \`resident_name\` varchar(32) NOT NULL, \`resident_phone_cipher\` varchar(255) NULL, \`resident_address\` varchar(200) NULL, \`created_by\` int NOT NULL, \`channel\` varchar(16) NOT NULL, \`status\` varchar(20) NOT NULL, \`claimer_id\` int NULL, \`claimer_unit_id\` int NULL, \`fulfilment_note\` varchar(500) NULL, \`fulfilment_photo_ids\` text NOT NULL, \`rating\` tinyint NULL, \`rating_comment\` varchar(200) NULL, \`idempotency_key\` varchar(64) NULL, \`version\` int NOT NULL DEFAULT '1', \`created_at\` datetime(3) NOT NULL, \`reviewed_at\` datetime(3) NULL, \`claimed_at\` datetime(3) NULL, \`fulfilled_at\` datetime(3) NULL, \`completed_at\` datetime(3) NULL, \`closed_at\` datetime(3) NULL, \`updated_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_wish_idempotency\` (\`created_by\`, \`idempotency_key\`), INDEX \`idx_wish_scope\` (\`region_path\`, \`status\`, \`created_at\`), INDEX \`idx_wish_claimer\` (\`claimer_id\`, \`status\`, \`created_at\`), INDEX \`idx_wish_resident\` (\`resident_id\`, \`created_at\`, \`id\`), INDEX \`idx_wish_wall\` (\`community_id\`, \`status\`, \`created_at\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`member_claim_load\` (\`user_id\` int NOT NULL, \`active_claims\` int NOT NULL DEFAULT '0', PRIMARY KEY (\`user_id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`wish_event\` (\`id\` int NOT NULL AUTO_INCREMENT, \`wish_id\` int NOT NULL, \`community_id\` int NOT NULL, \`action\` varchar(20) NOT NULL, \`from_status\` varchar(20) NULL, \`to_status\` varchar(20) NOT NULL, \`actor_id\` int NULL, \`actor_kind\` varchar(16) NOT NULL, \`actor_role\` varchar(24) NOT NULL, \`reason\` varchar(200) NULL, \`detail\` text NULL, \`at\` datetime(3) NOT NULL, INDEX \`idx_wish_event_community_at\` (\`community_id\`, \`at\`), INDEX \`idx_wish_event_wish\` (\`wish_id\`, \`at\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`ALTER TABLE \`region\` ADD CONSTRAINT \`FK_2547f55866c0274d35fdd9a29c0\` FOREIGN KEY (\`parent_id\`) REFERENCES \`region\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`unit\` ADD CONSTRAINT \`FK_adeed3a5ae3d51b362022dab53f\` FOREIGN KEY (\`region_id\`) REFERENCES \`region\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`unit_pairing\` ADD CONSTRAINT \`FK_05f014ec7637794c484c1e4a574\` FOREIGN KEY (\`unit_id\`) REFERENCES \`unit\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`unit_pairing\` ADD CONSTRAINT \`FK_ca02ff67e10ee7eba5c841f7c40\` FOREIGN KEY (\`community_id\`) REFERENCES \`region\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`app_user\` ADD CONSTRAINT \`FK_debea56d17161b5c3ea47c5b13b\` FOREIGN KEY (\`community_id\`) REFERENCES \`region\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`role_grant\` ADD CONSTRAINT \`FK_cbca8b01eca20fa033ef14946b2\` FOREIGN KEY (\`user_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`role_grant\` ADD CONSTRAINT \`FK_2e682808e68fb8f1ce4a9b0ac69\` FOREIGN KEY (\`region_id\`) REFERENCES \`region\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`role_grant\` ADD CONSTRAINT \`FK_6a78542b3daa7f363bdba13b05b\` FOREIGN KEY (\`unit_id\`) REFERENCES \`unit\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`refresh_token\` ADD CONSTRAINT \`FK_6bbe63d2fe75e7f0ba1710351d4\` FOREIGN KEY (\`user_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`member_registration\` ADD CONSTRAINT \`FK_106ad0afbc7e81bf7dd1b36e5a9\` FOREIGN KEY (\`user_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`member_registration\` ADD CONSTRAINT \`FK_bc3153eda6a98431a86f7ded05b\` FOREIGN KEY (\`unit_id\`) REFERENCES \`unit\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`member_registration\` ADD CONSTRAINT \`FK_3a03e8f20cf7e2b6a67e9b23f63\` FOREIGN KEY (\`community_id\`) REFERENCES \`region\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`wish\` ADD CONSTRAINT \`FK_475469166e7ccce6d323e402758\` FOREIGN KEY (\`community_id\`) REFERENCES \`region\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`wish\` ADD CONSTRAINT \`FK_8db67103ca3b221375bf5c47d16\` FOREIGN KEY (\`resident_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`wish\` ADD CONSTRAINT \`FK_1578662d8dfd71c2d09d4df36bd\` FOREIGN KEY (\`claimer_id\`) REFERENCES \`app_user\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`wish_event\` ADD CONSTRAINT \`FK_48018c897f12f56e86405f1f46f\` FOREIGN KEY (\`wish_id\`) REFERENCES \`wish\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`wish_event\` DROP FOREIGN KEY \`FK_48018c897f12f56e86405f1f46f\``);
        await queryRunner.query(`ALTER TABLE \`wish\` DROP FOREIGN KEY \`FK_1578662d8dfd71c2d09d4df36bd\``);
        await queryRunner.query(`ALTER TABLE \`wish\` DROP FOREIGN KEY \`FK_8db67103ca3b221375bf5c47d16\``);
        await queryRunner.query(`ALTER TABLE \`wish\` DROP FOREIGN KEY \`FK_475469166e7ccce6d323e402758\``);
        await queryRunner.query(`ALTER TABLE \`member_registration\` DROP FOREIGN KEY \`FK_3a03e8f20cf7e2b6a67e9b23f63\``);
        await queryRunner.query(`ALTER TABLE \`member_registration\` DROP FOREIGN KEY \`FK_bc3153eda6a98431a86f7ded05b\``);
        await queryRunner.query(`ALTER TABLE \`member_registration\` DROP FOREIGN KEY \`FK_106ad0afbc7e81bf7dd1b36e5a9\``);
        await queryRunner.query(`ALTER TABLE \`refresh_token\` DROP FOREIGN KEY \`FK_6bbe63d2fe75e7f0ba1710351d4\``);
        await queryRunner.query(`ALTER TABLE \`role_grant\` DROP FOREIGN KEY \`FK_6a78542b3daa7f363bdba13b05b\``);
        await queryRunner.query(`ALTER TABLE \`role_grant\` DROP FOREIGN KEY \`FK_2e682808e68fb8f1ce4a9b0ac69\``);
        await queryRunner.query(`ALTER TABLE \`role_grant\` DROP FOREIGN KEY \`FK_cbca8b01eca20fa033ef14946b2\``);
        await queryRunner.query(`ALTER TABLE \`app_user\` DROP FOREIGN KEY \`FK_debea56d17161b5c3ea47c5b13b\``);
        await queryRunner.query(`ALTER TABLE \`unit_pairing\` DROP FOREIGN KEY \`FK_ca02ff67e10ee7eba5c841f7c40\``);
        await queryRunner.query(`ALTER TABLE \`unit_pairing\` DROP FOREIGN KEY \`FK_05f014ec7637794c484c1e4a574\``);
        await queryRunner.query(`ALTER TABLE \`unit\` DROP FOREIGN KEY \`FK_adeed3a5ae3d51b362022dab53f\``);
        await queryRunner.query(`ALTER TABLE \`region\` DROP FOREIGN KEY \`FK_2547f55866c0274d35fdd9a29c0\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_event_wish\` ON \`wish_event\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_event_community_at\` ON \`wish_event\``);
        await queryRunner.query(`DROP TABLE \`wish_event\``);
        await queryRunner.query(`DROP TABLE \`member_claim_load\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_wall\` ON \`wish\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_resident\` ON \`wish\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_claimer\` ON \`wish\``);
        await queryRunner.query(`DROP INDEX \`idx_wish_scope\` ON \`wish\``);
        await queryRunner.query(`DROP INDEX \`uq_wish_idempotency\` ON \`wish\``);
        await queryRunner.query(`DROP TABLE \`wish\``);
        await queryRunner.query(`DROP INDEX \`uq_member_registration_open\` ON \`member_registration\``);
        await queryRunner.query(`DROP INDEX \`idx_member_registration_community_status\` ON \`member_registration\``);
        await queryRunner.query(`DROP INDEX \`idx_member_registration_unit\` ON \`member_registration\``);
        await queryRunner.query(`DROP TABLE \`member_registration\``);
        await queryRunner.query(`DROP INDEX \`idx_refresh_token_family\` ON \`refresh_token\``);
        await queryRunner.query(`DROP INDEX \`uq_refresh_token_hash\` ON \`refresh_token\``);
        await queryRunner.query(`DROP INDEX \`idx_refresh_token_user\` ON \`refresh_token\``);
        await queryRunner.query(`DROP TABLE \`refresh_token\``);
        await queryRunner.query(`DROP INDEX \`uq_role_grant\` ON \`role_grant\``);
        await queryRunner.query(`DROP TABLE \`role_grant\``);
        await queryRunner.query(`DROP INDEX \`uq_user_username\` ON \`app_user\``);
        await queryRunner.query(`DROP INDEX \`uq_user_openid\` ON \`app_user\``);
        await queryRunner.query(`DROP TABLE \`app_user\``);
        await queryRunner.query(`DROP INDEX \`uq_unit_pairing\` ON \`unit_pairing\``);
        await queryRunner.query(`DROP INDEX \`idx_unit_pairing_community\` ON \`unit_pairing\``);
        await queryRunner.query(`DROP TABLE \`unit_pairing\``);
        await queryRunner.query(`DROP INDEX \`uq_unit_name\` ON \`unit\``);
        await queryRunner.query(`DROP TABLE \`unit\``);
        await queryRunner.query(`DROP INDEX \`uq_region_parent_name\` ON \`region\``);
        await queryRunner.query(`DROP INDEX \`uq_region_path\` ON \`region\``);
        await queryRunner.query(`DROP TABLE \`region\``);
    }

}
