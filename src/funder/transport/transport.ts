/** The two folders of the funder's server (interface agreement §1). */
export type FunderFolder = 'depot' | 'retour';

/**
 * How files reach Action Logement's server and come back from it. `depot` holds the files
 * Entraide sends, `retour` the files the funder sends (orientations, acknowledgements).
 */
export interface FunderTransport {
  /** Names of the complete files of a folder (never a `.part`), sorted. */
  list(folder: FunderFolder): Promise<string[]>;
  /** A file's bytes. */
  get(folder: FunderFolder, name: string): Promise<Buffer>;
  /**
   * Writes `name.part`, then renames it to `name` (a reader ignores `.part`). Refuses, with a
   * TransportError that is not retriable, to replace a file of that name already there.
   */
  put(folder: FunderFolder, name: string, data: Buffer): Promise<void>;
  /** Releases the connection, if any. */
  close(): Promise<void>;
}

/** A transfer that failed: `retriable` when trying again later may succeed (network, server down). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
