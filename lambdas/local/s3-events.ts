// Uploads in the local bucket as the event AWS would deliver: s3rver's object-created notification (the classic S3
// notification format) turned into the EventBridge "Object Created" event the Trigger step reads.
import type { Server } from 'node:http';
import type { ObjectCreatedEvent } from '../handlers/trigger.ts';

export interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', fn: (e: S3Notification) => void): void;
  httpServer?: Server;
}

/** s3rver's event: the classic S3 notification format. */
interface S3Notification {
  Records: Array<{
    eventName: string;
    eventTime: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
  }>;
}

/** The EventBridge "Object Created" event AWS would deliver for the same upload (keys are not URL-encoded there). */
export function toObjectCreated(record: S3Notification['Records'][number]): ObjectCreatedEvent {
  const o = record.s3.object;
  return {
    'detail-type': 'Object Created',
    time: record.eventTime,
    detail: {
      bucket: { name: record.s3.bucket.name },
      // no versions locally: the ETag names the upload, so re-sending the same bytes to the same key is the same run
      object: { key: o.key, ...(o.size !== undefined ? { size: o.size } : {}), ...(o.eTag ? { etag: o.eTag } : { sequencer: o.sequencer }) },
    },
  };
}
