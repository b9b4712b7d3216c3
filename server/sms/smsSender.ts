export interface SmsMessage {
  to: string;
  body: string;
  /** The link the message carries, kept apart from the body so a development page can show it. */
  url: string;
}

/** One interface for every provider; the portal never knows which one delivers its messages. */
export interface SmsSender {
  send(message: SmsMessage, now: Date): Promise<void>;
}
