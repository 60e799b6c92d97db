/**
 * The entry of a clustering worker thread (started by cluster-worker.ts): takes
 * one request, runs the pure algorithm, posts the result or the error's message.
 */
import { parentPort } from 'node:worker_threads';
import { runClustering } from '@onramp/core/run-clustering';
import type { ClusterWorkerReply, ClusterWorkerRequest } from './cluster-worker.js';

if (parentPort === null) throw new Error('cluster-worker-main.ts must run in a worker thread');
const port = parentPort;

port.once('message', (request: ClusterWorkerRequest) => {
  let reply: ClusterWorkerReply;
  try {
    const { vectors, count, dims } = request;
    const rows = Array.from({ length: count }, (_, i) =>
      Array.from(vectors.subarray(i * dims, (i + 1) * dims)),
    );
    reply = { type: 'done', result: runClustering(rows, request.options) };
  } catch (error) {
    reply = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
