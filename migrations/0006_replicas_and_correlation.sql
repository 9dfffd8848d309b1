CREATE TABLE "delivery_claims" (
	"key" text PRIMARY KEY NOT NULL,
	"surface" text NOT NULL,
	"owner" text NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "correlation_id" text;--> statement-breakpoint
CREATE INDEX "delivery_claims_expiry_idx" ON "delivery_claims" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "audit_log_correlation_idx" ON "audit_log" USING btree ("correlation_id");