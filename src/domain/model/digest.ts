/** Digest subscriptions and security mutes as stored (the logic lives in src/domain/digests and src/domain/security). */
export type DigestKind = 'cost' | 'security';

export interface DigestSchedule {
  cadence: 'daily' | 'weekly';
  /** 0 = Sunday … 6 = Saturday (weekly only). */
  weekday?: number;
  /** `HH:MM`, 24-hour. */
  time: string;
  /** IANA time zone. */
  timezone: string;
}

export interface SecurityMute {
  id: string;
  /** Steward check id. */
  checkId: string;
  target: { kind: 'resource'; value: string } | { kind: 'tag'; key: string; value: string };
  reason: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
}
