/** A tenant: its own keys, config and data. */
export interface Workspace {
  id: string;
  name: string;
  /** Public key that authenticates ingest (Segment's write key); safe to ship in a browser. */
  writeKey: string;
  /** Secret key of the admin API. */
  adminKey: string;
  /** Secret the app's backend signs user tokens with (HMAC-SHA256 of the userId). */
  identitySecret: string;
  createdAt: number;
}

export interface WorkspaceStore {
  get(id: string): Promise<Workspace | undefined>;
  findByWriteKey(writeKey: string): Promise<Workspace | undefined>;
  findByAdminKey(adminKey: string): Promise<Workspace | undefined>;
  list(): Promise<Workspace[]>;
  /** Creates or replaces the workspace with this id. */
  save(workspace: Workspace): Promise<void>;
  close(): Promise<void>;
}
