/** The part of webvtt-parser (the W3C's WebVTT validator, https://github.com/w3c/webvtt.js) the portal uses. */
declare module 'webvtt-parser' {
  export type CueNode =
    | { type: 'text'; value: string }
    | { type: 'timestamp'; value: number }
    | { type: 'object'; name: string; classes: string[]; value?: string; children: CueNode[] };

  export interface ParsedCue {
    id: string;
    startTime: number;
    endTime: number;
    text: string;
    tree: { children: CueNode[] };
  }

  export interface ParseError {
    message: string;
    line: number;
    col?: number;
  }

  export class WebVTTParser {
    constructor(entities?: Record<string, string>);
    parse(input: string, mode?: 'metadata' | 'chapters'): { cues: ParsedCue[]; errors: ParseError[]; styles: string[] };
  }
}
