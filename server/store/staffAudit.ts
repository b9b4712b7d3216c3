/** Audit event types of the staff console and the provider API; every one names the staff member or provider. */
export type StaffAuditType =
  | 'staff.created'
  | 'staff.signed-in'
  | 'staff.sign-in-failed'
  | 'staff.locked'
  | 'staff.unlocked'
  | 'staff.signed-out'
  | 'staff.password-chosen'
  | 'staff.found'
  | 'staff.audit-exported'
  | 'link.unlocked'
  | 'recording.postal-copy'
  | 'recording.staff-viewed'
  | 'recording.staff-download'
  | 'provider.created'
  | 'provider.keys-revoked';
