import type { Workspace, WorkspaceStore } from '@onramp/core';
import type { Database } from './database.js';

export interface SqliteWorkspaceStoreOptions {
  db: Database;
}

interface WorkspaceRow {
  id: string;
  name: string;
  write_key: string;
  admin_key: string;
  identity_secret: string;
  created_at: number;
}

/** Workspaces with unique write and admin keys; a save that reuses another's key fails. */
export function createSqliteWorkspaceStore(options: SqliteWorkspaceStoreOptions): WorkspaceStore {
  const { db } = options;
  const columns = 'id, name, write_key, admin_key, identity_secret, created_at';
  const byId = db.prepare(`SELECT ${columns} FROM workspaces WHERE id = ?`);
  const byWriteKey = db.prepare(`SELECT ${columns} FROM workspaces WHERE write_key = ?`);
  const byAdminKey = db.prepare(`SELECT ${columns} FROM workspaces WHERE admin_key = ?`);
  const all = db.prepare(`SELECT ${columns} FROM workspaces ORDER BY created_at, id`);
  const upsert = db.prepare(
    `INSERT INTO workspaces (${columns}) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, write_key = excluded.write_key,
       admin_key = excluded.admin_key, identity_secret = excluded.identity_secret,
       created_at = excluded.created_at`,
  );
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('workspace store is closed');
  }

  return {
    async get(id) {
      assertOpen();
      return toWorkspace(byId.get(id) as WorkspaceRow | undefined);
    },
    async findByWriteKey(writeKey) {
      assertOpen();
      return toWorkspace(byWriteKey.get(writeKey) as WorkspaceRow | undefined);
    },
    async findByAdminKey(adminKey) {
      assertOpen();
      return toWorkspace(byAdminKey.get(adminKey) as WorkspaceRow | undefined);
    },
    async list() {
      assertOpen();
      return (all.all() as WorkspaceRow[]).map((row) => toWorkspace(row) as Workspace);
    },
    async save(workspace) {
      assertOpen();
      upsert.run(
        workspace.id,
        workspace.name,
        workspace.writeKey,
        workspace.adminKey,
        workspace.identitySecret,
        workspace.createdAt,
      );
    },
    async close() {
      closed = true;
    },
  };
}

function toWorkspace(row: WorkspaceRow | undefined): Workspace | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    writeKey: row.write_key,
    adminKey: row.admin_key,
    identitySecret: row.identity_secret,
    createdAt: row.created_at,
  };
}
