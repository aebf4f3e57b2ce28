using System;

namespace Licensor.Client
{
    /// <summary>Why a held slot was taken away.</summary>
    public sealed class SlotLostEventArgs : EventArgs
    {
        /// <summary>Describes a lost slot.</summary>
        /// <param name="slot">The slot that was lost.</param>
        /// <param name="reason">What the node answered (usually a <see cref="SlotLostException"/>).</param>
        public SlotLostEventArgs(LicenseSlot slot, LicensingException reason)
        {
            Slot = slot;
            Reason = reason;
        }

        /// <summary>The slot that was lost.</summary>
        public LicenseSlot Slot { get; private set; }

        /// <summary>What the node answered: expired, released, force-released by an administrator, or evicted.</summary>
        public LicensingException Reason { get; private set; }
    }
}
