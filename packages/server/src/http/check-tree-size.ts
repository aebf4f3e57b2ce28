import { MAX_TREE_NODES } from '@licensor/protocol/schemas';
import { HttpFailure } from '../transport/error-mapping.js';

/** Refuses a reported subtree of more than MAX_TREE_NODES nodes in all (each level's own cap is in the schema). */
export function checkTreeSize(children: readonly { children: unknown[] }[]): void {
  let count = 0;
  const stack: { children: unknown[] }[] = [...children];
  while (stack.length > 0) {
    const n = stack.pop() as { children: { children: unknown[] }[] };
    if (++count > MAX_TREE_NODES)
      throw new HttpFailure({
        code: 'VALIDATION_FAILED',
        message: `body.children reports more than ${MAX_TREE_NODES} nodes in all`,
        field: 'body.children',
      });
    stack.push(...n.children);
  }
}
