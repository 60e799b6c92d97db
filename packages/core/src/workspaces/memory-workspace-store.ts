import type { Workspace, WorkspaceStore } from './workspace.js';

/**
 * Workspaces in memory: real code for tests and simulations. Write and admin
 * keys are unique across workspaces, as in the SQLite store; saving a workspace
 * with another one's key fails and changes nothing.
 */
export function createMemoryWorkspaceStore(): WorkspaceStore {
  const byId = new Map<string, Workspace>();
  const byWriteKey = new Map<string, Workspace>();
  const byAdminKey = new Map<string, Workspace>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('workspace store is closed');
  }

  function assertKeyFree(index: Map<string, Workspace>, key: string, id: string, name: string) {
    const owner = index.get(key);
    if (owner && owner.id !== id) throw new Error(`${name} is already used by another workspace`);
  }

  return {
    async get(id) {
      assertOpen();
      return copy(byId.get(id));
    },
    async findByWriteKey(writeKey) {
      assertOpen();
      return copy(byWriteKey.get(writeKey));
    },
    async findByAdminKey(adminKey) {
      assertOpen();
      return copy(byAdminKey.get(adminKey));
    },
    async list() {
      assertOpen();
      return [...byId.values()].sort(byCreation).map((workspace) => ({ ...workspace }));
    },
    async save(workspace) {
      assertOpen();
      assertKeyFree(byWriteKey, workspace.writeKey, workspace.id, 'write key');
      assertKeyFree(byAdminKey, workspace.adminKey, workspace.id, 'admin key');
      const previous = byId.get(workspace.id);
      if (previous) {
        byWriteKey.delete(previous.writeKey);
        byAdminKey.delete(previous.adminKey);
      }
      const stored = { ...workspace };
      byId.set(stored.id, stored);
      byWriteKey.set(stored.writeKey, stored);
      byAdminKey.set(stored.adminKey, stored);
    },
    async close() {
      closed = true;
    },
  };
}

function copy(workspace: Workspace | undefined): Workspace | undefined {
  return workspace && { ...workspace };
}

/** Oldest first, then by id: the order every WorkspaceStore lists in. */
function byCreation(a: Workspace, b: Workspace): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
