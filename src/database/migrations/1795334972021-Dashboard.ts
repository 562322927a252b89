import { MigrationInterface, QueryRunner } from "typeorm";

/** The dashboard: rollup queue and lease, rollups per region/unit/day|month, member rollups, the backlog of waiting wishes. */
export class Dashboard1795334972021 implements MigrationInterface {
    name = 'Dashboard1795334972021'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`dashboard_rollup_queue\` (\`id\` int NOT NULL AUTO_INCREMENT, \`event_id\` int NOT NULL, \`enqueued_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_dashboard_rollup_queue_event\` (\`event_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`dashboard_worker_lease\` (\`name\` varchar(32) NOT NULL, \`owner\` varchar(64) NULL, \`lease_until\` datetime(3) NULL, PRIMARY KEY (\`name\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`dashboard_rollup\` (\`region_id\` int NOT NULL, \`unit_id\` int NOT NULL, \`grain\` varchar(1) NOT NULL, \`bucket\` varchar(10) NOT NULL, \`category\` varchar(16) NOT NULL, \`channel\` varchar(16) NOT NULL, \`submitted\` int NOT NULL DEFAULT '0', \`approved\` int NOT NULL DEFAULT '0', \`rejected\` int NOT NULL DEFAULT '0', \`claimed\` int NOT NULL DEFAULT '0', \`released\` int NOT NULL DEFAULT '0', \`fulfilled\` int NOT NULL DEFAULT '0', \`disputed\` int NOT NULL DEFAULT '0', \`completed\` int NOT NULL DEFAULT '0', \`withdrawn\` int NOT NULL DEFAULT '0', \`cancelled\` int NOT NULL DEFAULT '0', \`now_pending_review\` int NOT NULL DEFAULT '0', \`now_open\` int NOT NULL DEFAULT '0', \`now_claimed\` int NOT NULL DEFAULT '0', \`now_fulfilled\` int NOT NULL DEFAULT '0', \`now_completed\` int NOT NULL DEFAULT '0', \`now_rejected\` int NOT NULL DEFAULT '0', \`now_cancelled\` int NOT NULL DEFAULT '0', \`rating_count\` int NOT NULL DEFAULT '0', \`rating_sum\` int NOT NULL DEFAULT '0', \`rating_high\` int NOT NULL DEFAULT '0', \`review_samples\` int NOT NULL DEFAULT '0', \`review_seconds\` double NOT NULL DEFAULT '0', \`to_claim_samples\` int NOT NULL DEFAULT '0', \`to_claim_seconds\` double NOT NULL DEFAULT '0', \`to_fulfil_samples\` int NOT NULL DEFAULT '0', \`to_fulfil_seconds\` double NOT NULL DEFAULT '0', \`to_confirm_samples\` int NOT NULL DEFAULT '0', \`to_confirm_seconds\` double NOT NULL DEFAULT '0', \`end_to_end_samples\` int NOT NULL DEFAULT '0', \`end_to_end_seconds\` double NOT NULL DEFAULT '0', \`histograms\` text NOT NULL, PRIMARY KEY (\`region_id\`, \`unit_id\`, \`grain\`, \`bucket\`, \`category\`, \`channel\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`dashboard_member_rollup\` (\`member_id\` int NOT NULL, \`bucket\` varchar(10) NOT NULL, \`community_id\` int NOT NULL, \`category\` varchar(16) NOT NULL, \`channel\` varchar(16) NOT NULL, \`unit_id\` int NULL, \`claimed\` int NOT NULL DEFAULT '0', \`released\` int NOT NULL DEFAULT '0', \`fulfilled\` int NOT NULL DEFAULT '0', \`completed\` int NOT NULL DEFAULT '0', \`rating_count\` int NOT NULL DEFAULT '0', \`rating_sum\` int NOT NULL DEFAULT '0', INDEX \`idx_dashboard_member_rollup_unit\` (\`unit_id\`, \`bucket\`), INDEX \`idx_dashboard_member_rollup_community\` (\`community_id\`, \`bucket\`), PRIMARY KEY (\`member_id\`, \`bucket\`, \`community_id\`, \`category\`, \`channel\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
        await queryRunner.query(`CREATE TABLE \`dashboard_backlog\` (\`wish_id\` int NOT NULL, \`stage\` varchar(16) NOT NULL, \`since\` datetime(3) NOT NULL, \`community_id\` int NOT NULL, \`region_path\` varchar(255) NOT NULL, \`unit_id\` int NULL, \`claimer_id\` int NULL, \`category\` varchar(16) NOT NULL, \`channel\` varchar(16) NOT NULL, INDEX \`idx_dashboard_backlog_since\` (\`stage\`, \`since\`), INDEX \`idx_dashboard_backlog_unit\` (\`stage\`, \`unit_id\`, \`since\`), INDEX \`idx_dashboard_backlog_path\` (\`stage\`, \`region_path\`, \`since\`), PRIMARY KEY (\`wish_id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`idx_dashboard_backlog_path\` ON \`dashboard_backlog\``);
        await queryRunner.query(`DROP INDEX \`idx_dashboard_backlog_unit\` ON \`dashboard_backlog\``);
        await queryRunner.query(`DROP INDEX \`idx_dashboard_backlog_since\` ON \`dashboard_backlog\``);
        await queryRunner.query(`DROP TABLE \`dashboard_backlog\``);
        await queryRunner.query(`DROP INDEX \`idx_dashboard_member_rollup_community\` ON \`dashboard_member_rollup\``);
        await queryRunner.query(`DROP INDEX \`idx_dashboard_member_rollup_unit\` ON \`dashboard_member_rollup\``);
        await queryRunner.query(`DROP TABLE \`dashboard_member_rollup\``);
        await queryRunner.query(`DROP TABLE \`dashboard_rollup\``);
        await queryRunner.query(`DROP TABLE \`dashboard_worker_lease\``);
        await queryRunner.query(`DROP INDEX \`uq_dashboard_rollup_queue_event\` ON \`dashboard_rollup_queue\``);
        await queryRunner.query(`DROP TABLE \`dashboard_rollup_queue\``);
    }

}
