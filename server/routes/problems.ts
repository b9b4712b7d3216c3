import type { Response } from 'express';
import type { AccessRules } from '../policy/accessWindow';
import { formatPeriod } from './format';

export type ProblemKind =
  | 'link-not-recognised'
  | 'link-expired'
  | 'link-replaced'
  | 'link-locked'
  | 'recording-unavailable'
  | 'download-button-used'
  | 'too-many-attempts'
  | 'bad-request'
  | 'too-large'
  | 'page-not-found'
  | 'service-unavailable'
  | 'server-error';

interface Problem {
  status: number;
  title: string;
  paragraphs: string[];
}

/**
 * Every page a claimant can meet when something is wrong: the status it answers with, what happened
 * in plain words, and what to do next. None of them says more than the claimant needs (a wrong link
 * and an unknown one read the same), and the contact route follows each, from the layout.
 */
function problems(rules: AccessRules): Record<ProblemKind, Problem> {
  const ttl = formatPeriod(rules.linkTtlMs);
  const window = formatPeriod(rules.redownloadWindowMs);
  return {
    'link-not-recognised': {
      status: 404,
      title: 'This link is not recognised',
      paragraphs: ['Check that you used the whole link from your text message.', 'If it still does not work, phone us and we can send you a new link.'],
    },
    'link-expired': {
      status: 410,
      title: 'This link has expired',
      paragraphs: [`Links work for ${ttl} after we send them, and for ${window} after you first download the recording.`, 'Phone us and we can send you a new link.'],
    },
    'link-replaced': {
      status: 410,
      title: 'This link has been replaced',
      paragraphs: ['We have sent you a newer link. Use the link in the most recent text message from us.', 'If you cannot find it, phone us and we can send you a new link.'],
    },
    'link-locked': {
      status: 403,
      title: 'This link has been locked',
      paragraphs: [
        'The National Insurance number was entered incorrectly too many times, so we locked the link to protect your recording.',
        'Phone us and we can unlock it or send you a new link.',
      ],
    },
    'recording-unavailable': {
      status: 410,
      title: 'This recording is no longer available',
      paragraphs: ['Recordings are kept for 24 months, or for longer while a dispute is open, and are then securely deleted.', 'Phone us if you need help or a copy of your assessment report.'],
    },
    'download-button-used': {
      status: 409,
      title: 'This download button has already been used',
      paragraphs: ['For your security, each download button works once. Go back to your recording to download it again.'],
    },
    'too-many-attempts': {
      status: 429,
      title: 'You have tried too many times',
      paragraphs: ['For your security, wait 15 minutes before you try again.'],
    },
    'bad-request': {
      status: 400,
      title: 'Sorry, there is a problem with that request',
      paragraphs: ['Go back to the link in your text message and try again.'],
    },
    'too-large': {
      status: 413,
      title: 'Sorry, what you sent was too large',
      paragraphs: ['Go back to the link in your text message and try again.'],
    },
    'page-not-found': {
      status: 404,
      title: 'Page not found',
      paragraphs: ['If you typed the web address, check it is correct.', 'To get your recording, use the link in the text message we sent you.'],
    },
    'service-unavailable': {
      status: 503,
      title: 'Sorry, the service is unavailable',
      paragraphs: ['You can try again in a few minutes. Your link will still work, and nothing has been used up.'],
    },
    'server-error': {
      status: 500,
      title: 'Sorry, there is a problem with the service',
      paragraphs: ['Try again later. Your link will still work.'],
    },
  };
}

export function problemRenderer(rules: AccessRules) {
  const catalogue = problems(rules);
  return function renderProblem(res: Response, kind: ProblemKind, retry?: { href: string; text: string }): void {
    const problem = catalogue[kind];
    res.status(problem.status).render('pages/problem', {
      pageTitle: problem.title,
      paragraphs: problem.paragraphs,
      retryHref: retry?.href,
      retryText: retry?.text,
    });
  };
}

export type RenderProblem = ReturnType<typeof problemRenderer>;
