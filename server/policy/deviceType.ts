export type DeviceType = 'phone' | 'tablet' | 'computer' | 'unknown';

/** Coarse device class for a download's record: enough for support staff, too little to fingerprint. */
export function deviceType(userAgent: string | undefined): DeviceType {
  if (!userAgent) return 'unknown';
  if (/iPad|Tablet|Android(?!.*Mobile)/i.test(userAgent)) return 'tablet';
  if (/Mobi|iPhone|Android/i.test(userAgent)) return 'phone';
  if (/Windows|Macintosh|X11|CrOS|Linux/i.test(userAgent)) return 'computer';
  return 'unknown';
}
