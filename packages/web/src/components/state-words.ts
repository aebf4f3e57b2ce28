import type { ChildNode, MemberRow, PoolPolicy, PoolSummary, UpstreamAnswer } from '../api/types.js';
import { formatDuration } from './format.js';

/** A state in words with how urgent it is: every state a pool, a member or a site can be in has its own. */
export interface StateWords {
  tone: 'ok' | 'info' | 'warn' | 'bad';
  text: string;
  /** A few words for a table cell, when `text` is too long for one. */
  short?: string;
}

/** Operation names of DEGRADE policies, for people. */
const OPERATIONS: Record<string, string> = {
  'debit-existing-account': 'debits on existing accounts',
  'accept-new-data': 'accepting new data',
  'send-new-data': 'sending new data',
};

/** A list of operations in words: "accepting new data and sending new data". */
function operations(list: string[] | undefined): string {
  const words = (list ?? []).map((o) => OPERATIONS[o] ?? `'${o}'`);
  return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** "1 register", "2 registers" — members are registers or servers; the pool name says which. */
function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What a pool's state means: not licensed, unlimited, free, full, over a reduced quantity (lease pools), members
 * blocked beyond the quantity or for their add-ons (member pools), within or over its quota (quota pools).
 */
export function poolWords(p: PoolSummary, policy?: PoolPolicy, quota?: { count: number } | null): StateWords {
  const q = p.quantity;
  if (p.licensed === false)
    return {
      tone: 'warn',
      text: 'Not licensed on this node: nothing new is admitted; what is still listed leaves as it goes.',
    };
  switch (p.strategy) {
    case 'UNCOUNTED':
      return { tone: 'ok', text: 'Licensed. This module is not counted: it is enabled or not.' };
    case 'DEGRADE': {
      if (!quota && p.quotaState === null)
        return { tone: 'info', text: `No count reported yet. The license allows ${q ?? 'an unlimited number'}.` };
      const n = quota?.count ?? p.used;
      if (p.quotaState === 'over_quota') {
        return {
          tone: 'bad',
          text: `Over quota: ${n} counted, ${q} licensed. Refused: ${operations(policy?.refusedWhenOverQuota)}; still allowed: ${operations(policy?.allowedWhenOverQuota)}. Back to normal once the count falls to ${q} or the license grows.`,
        };
      }
      return {
        tone: 'ok',
        text: q === null ? `Within quota: ${n} counted, unlimited.` : `Within quota: ${n} of ${q} counted.`,
      };
    }
    case 'BLOCK_LATEST': {
      const byProfile = p.blockedByProfile ?? 0;
      const beyond = p.blocked - byProfile;
      const parts: string[] = [];
      if (beyond > 0)
        parts.push(
          `${count(beyond, 'member')} blocked beyond the licensed ${q}: they become active in connection order when one is removed or the license grows`,
        );
      if (byProfile > 0)
        parts.push(
          `${count(byProfile, 'member')} blocked because ${byProfile === 1 ? 'its profile enables' : 'their profiles enable'} add-ons the license does not grant (no seat taken)`,
        );
      if (parts.length) return { tone: 'bad', text: `${capitalize(parts.join('; '))}.` };
      if (q === 0)
        return { tone: 'warn', text: 'The license grants no member: every member that connects is blocked.' };
      if (q !== null && p.used >= q)
        return { tone: 'warn', text: `All ${q} seats taken: the next member to connect is blocked.` };
      return {
        tone: 'ok',
        text: q === null ? `${count(p.used, 'member')} active, unlimited.` : `${p.used} of ${q} seats taken.`,
      };
    }
    default: {
      if (q === 0) return { tone: 'warn', text: 'The license grants none: every newcomer is refused.' };
      if (q !== null && p.used > q) {
        return {
          tone: 'warn',
          text: `${p.used} in use but ${q} licensed now: the quantity was reduced. Nobody is cut off; newcomers are refused until enough holders leave.`,
        };
      }
      if (q !== null && p.used === q) {
        const idle = policy?.idleThresholdSeconds;
        return p.strategy === 'EVICT_INACTIVE'
          ? {
              tone: 'warn',
              text: `Full: a newcomer takes the place of the holder idle longest, once it has been idle ${idle ? formatDuration(idle * 1000) : 'long enough'}; otherwise it is refused.`,
            }
          : { tone: 'warn', text: 'Full: newcomers are refused until a holder leaves.' };
      }
      return {
        tone: 'ok',
        text: q === null ? `${p.used} in use, unlimited.` : `${p.used} of ${q} in use; ${q - p.used} free.`,
      };
    }
  }
}

/** Why a member is active or blocked, naming the add-ons its license lacks. */
export function memberWords(m: MemberRow, quantity: number | null, names: ReadonlyMap<number, string>): StateWords {
  if (m.state === 'active')
    return { tone: 'ok', text: 'Active: takes a licensed seat; its sync goes on.', short: 'Takes a licensed seat' };
  if (m.blockedReason === 'features_unlicensed') {
    const list = m.missingFeatures
      .map((id) => (names.get(id) ? `${names.get(id)} (${id})` : `module ${id}`))
      .join(', ');
    return {
      tone: 'bad',
      text: `Blocked: its profile enables add-ons the license does not grant: ${list}. Its sync stops until the profile drops them; it takes no seat.`,
      short: `Add-ons not licensed: ${list}`,
    };
  }
  return {
    tone: 'bad',
    text: `Blocked: connected after the licensed ${quantity}. It becomes active in turn when one is removed or the license grows.`,
    short: `Connected after the licensed ${quantity}`,
  };
}

/** A subdivision as its parent sees it: served, blocked beyond the licensed servers, or not served for lack of a license. */
export function childWords(c: ChildNode): StateWords {
  const offline = c.online ? '' : ' It has not synced lately: it serves on its last allocation until that lapses.';
  switch (c.state) {
    case 'active':
      return { tone: c.online ? 'ok' : 'warn', text: `Served: ${c.message}.${offline}` };
    case 'blocked':
      return { tone: 'bad', text: `Blocked: ${c.message}.${offline}` };
    case 'unlicensed':
      return { tone: 'bad', text: `Not served: ${c.message}.${offline}` };
    default:
      return { tone: 'warn', text: `${capitalize(c.state)}: ${c.message}.${offline}` };
  }
}

/** This node's link to its parent, in words. */
export function upstreamWords(up: UpstreamAnswer): StateWords {
  switch (up.state) {
    case 'connecting':
      return { tone: 'info', text: 'Not synced with the parent yet.' };
    case 'active':
      return { tone: 'ok', text: `Served by the parent: ${up.message}.` };
    case 'blocked':
      return { tone: 'bad', text: `Blocked by the parent: ${up.message}.` };
    case 'unlicensed':
      return { tone: 'bad', text: `The parent has nothing to allocate: ${up.message}.` };
    case 'unreachable':
      return {
        tone: 'warn',
        text: `The parent cannot be reached: ${up.message}. This node serves on its last allocation until it lapses.`,
      };
    case 'refused':
      return { tone: 'bad', text: `The parent refuses this node: ${up.message}.` };
    default:
      return { tone: 'warn', text: `${capitalize(up.state)}: ${up.message}.` };
  }
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
