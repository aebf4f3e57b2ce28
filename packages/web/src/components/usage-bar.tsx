/** A used / quantity bar: green with room, amber near full, red when full or over. */
export function UsageBar({ used, quantity, label }: { used: number; quantity: number | null; label: string }) {
  const ratio = quantity === null ? 0 : quantity === 0 ? (used > 0 ? 1 : 0) : Math.min(1, used / quantity);
  const level = quantity === null ? 'ok' : used >= quantity && quantity > 0 ? 'full' : ratio >= 0.8 ? 'high' : 'ok';
  const over = quantity !== null && used > quantity;
  return (
    <div className="usage-bar-wrap">
      {/* biome-ignore lint/a11y/useSemanticElements: a styled bar that turns red when full; <meter> cannot be styled alike across browsers */}
      <div
        className={`usage-bar usage-${over ? 'full' : level}`}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={quantity ?? Math.max(used, 1)}
        aria-valuenow={used}
        aria-valuetext={quantity === null ? `${used} in use, unlimited` : `${used} of ${quantity} in use`}
      >
        <div className="usage-fill" style={{ width: `${quantity === null ? 0 : ratio * 100}%` }} />
      </div>
      <span className="usage-text">
        <strong>{used}</strong>
        <span className="muted"> / {quantity === null ? '∞' : quantity}</span>
      </span>
    </div>
  );
}
