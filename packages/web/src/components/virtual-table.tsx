import { type ReactNode, useState } from 'react';

/** A column of a VirtualTable. */
export interface Column<T> {
  header: string;
  render(row: T): ReactNode;
  className?: string;
}

const OVERSCAN = 8;

/**
 * A table that renders only the rows in view (plus a few), so a pool with thousands of holders scrolls smoothly. Rows
 * have a fixed height; spacer rows above and below keep the scrollbar true. The scroll area is keyboard-focusable.
 */
export function VirtualTable<T>(props: {
  rows: T[];
  rowKey(row: T): string;
  columns: Column<T>[];
  label: string;
  rowHeight?: number;
  maxHeight?: number;
  empty?: ReactNode;
  rowClass?(row: T): string | undefined;
}) {
  const { rows, columns, rowHeight = 44, maxHeight = 560 } = props;
  const [scrollTop, setScrollTop] = useState(0);
  const visible = Math.ceil(maxHeight / rowHeight);
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const end = Math.min(rows.length, start + visible + 2 * OVERSCAN);
  if (rows.length === 0) return <div className="empty">{props.empty ?? 'Nothing here.'}</div>;
  return (
    <section
      className="vtable"
      style={{ maxHeight }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll area must be reachable by keyboard to scroll it
      tabIndex={0}
      aria-label={props.label}
    >
      <table aria-rowcount={rows.length + 1}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {start > 0 && <tr style={{ height: start * rowHeight }} />}
          {rows.slice(start, end).map((row, i) => (
            <tr
              key={props.rowKey(row)}
              style={{ height: rowHeight }}
              aria-rowindex={start + i + 2}
              className={props.rowClass?.(row)}
            >
              {columns.map((c) => (
                <td key={c.header} className={c.className}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
          {end < rows.length && <tr style={{ height: (rows.length - end) * rowHeight }} />}
        </tbody>
      </table>
    </section>
  );
}
