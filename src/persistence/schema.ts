import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** The demo estate's generator identity: one row. */
export const demoEstate = pgTable('demo_estate', {
  id: integer('id').primaryKey().default(1),
  fingerprint: text('fingerprint').notNull(),
  source: text('source').notNull(),
  seed: integer('seed'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
});

/** One simulated resource (instance or snapshot) per row; `version` makes updates conditional. */
export const demoResources = pgTable('demo_resources', {
  key: text('key').primaryKey(),
  data: jsonb('data').notNull(),
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
});
