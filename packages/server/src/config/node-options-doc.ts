import type { NodeConfig } from './node-config.js';
import { optionFlag } from './node-config.js';
import { NODE_OPTIONS, type NodeOption } from './node-options.js';

const isOptionKey = (key: string): key is keyof NodeConfig => key in NODE_OPTIONS;

/** The options `licensor serve` takes as flags, in the table's order (environment-only ones left out). */
export function serveOptionKeys(): (keyof NodeConfig)[] {
  return Object.keys(NODE_OPTIONS)
    .filter(isOptionKey)
    .filter((key) => !NODE_OPTIONS[key].envOnly);
}

/** The flag with its argument as commander takes it: `--port <port>`, `--catalog <file...>`. */
export function serveOptionFlags(key: keyof NodeConfig): string {
  const option = NODE_OPTIONS[key];
  return `${optionFlag(key)} <${option.arg ?? 'value'}${option.list ? '...' : ''}>`;
}

/** The option's line in `licensor serve --help`: what it does, the values it takes, its variable and default. */
export function serveOptionHelp(key: keyof NodeConfig): string {
  const option: NodeOption<unknown> = NODE_OPTIONS[key];
  const values = valuesText(
    option,
    (min, max) => `${min} to ${max}`,
    (choices) => choices.join(', '),
  );
  const shown = option.shownDefault?.replace(/`/g, '') ?? option.defaultText;
  return `${option.help}${values ? ` (${values})` : ''} [env ${option.env}${option.list ? ', comma-separated' : ''}]${shown ? ` (default: ${shown})` : ''}`;
}

const BEGIN =
  '<!-- serve-options:begin (npm run docs:cli writes this table from packages/server/src/config/node-options.ts) -->';
const END = '<!-- serve-options:end -->';

/** The options table of docs/cli.md, one row per option (Markdown). */
export function serveOptionsTable(): string {
  const rows = serveOptionKeys().map((key) => {
    const option: NodeOption<unknown> = NODE_OPTIONS[key];
    const usage = `\`${optionFlag(key)} ${(option.arg ?? 'value').toUpperCase()}${option.list ? '…' : ''}\``;
    const env = `\`${option.env}\`${option.list ? ' (comma-separated)' : ''}`;
    const dflt = option.shownDefault ?? (option.defaultText === undefined ? '—' : `\`${option.defaultText}\``);
    const values =
      valuesText(
        option,
        (min, max) => `${min}–${max}`,
        (choices) => choices.map((c) => `\`${c}\``).join(', '),
      ) || '—';
    return `| ${usage} | ${env} | ${dflt} | ${values} | ${option.doc.replace(/\|/g, '\\|')} |`;
  });
  return ['| option | env | default | values | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** docs/cli.md with its serve options table written afresh between the marker comments. */
export function withServeOptionsTable(markdown: string): string {
  const begin = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/cli.md lacks the serve options markers ${BEGIN} … ${END}`);
  return `${markdown.slice(0, begin)}${BEGIN}\n\n${serveOptionsTable()}\n\n${markdown.slice(end)}`;
}

function valuesText(
  option: NodeOption<unknown>,
  range: (min: number, max: number) => string,
  list: (choices: readonly string[]) => string,
): string {
  if (option.values === undefined) return '';
  return 'choices' in option.values ? list(option.values.choices) : range(option.values.min, option.values.max);
}
