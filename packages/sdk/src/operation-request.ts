import type { SessionRequest } from '@licensor/protocol';

/** One operation of the session protocol without its id: what both transports carry. */
export type OperationRequest = SessionRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** A way of sending operations to the node: the session socket or plain HTTP. */
export interface Transport {
  /** Sends one operation; resolves with the node's result or rejects with a LicensingError. */
  call(request: OperationRequest): Promise<unknown>;
  /** Stops the transport; pending calls reject with ConnectionError. */
  close(): Promise<void>;
}
