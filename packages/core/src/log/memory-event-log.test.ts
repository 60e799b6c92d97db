import { describeEventLogContract } from './event-log.contract.js';
import { createMemoryEventLog } from './memory-event-log.js';

describeEventLogContract('memory', async (options) => {
  const log = createMemoryEventLog(options);
  return { log, dispose: () => log.close() };
});
