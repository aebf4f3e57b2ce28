using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Licensor.Client
{
    /// <summary>
    /// The license of one loaded plugin instance. A plugin host calls <see cref="Acquire(ILicensingService, Type, string)"/>
    /// before it constructs a plugin class marked with <see cref="LicensedModuleAttribute"/>, constructs the plugin only
    /// when that succeeds, and disposes the license when it unloads the plugin.
    /// </summary>
    public sealed class PluginLicense : IDisposable
    {
        private PluginLicense(Type pluginType, int moduleId, string instanceId, LicenseSlot slot)
        {
            PluginType = pluginType;
            ModuleId = moduleId;
            InstanceId = instanceId;
            Slot = slot;
        }

        /// <summary>The plugin class.</summary>
        public Type PluginType { get; private set; }

        /// <summary>The module id read from the class's <see cref="LicensedModuleAttribute"/>.</summary>
        public int ModuleId { get; private set; }

        /// <summary>The plugin instance's stable id (the holder of its slot).</summary>
        public string InstanceId { get; private set; }

        /// <summary>
        /// The instance's slot under the pay-per-instance plan; null for an uncounted plugin module (a free
        /// formality module, as under the pay-per-connection plan), which needs no slot.
        /// </summary>
        public LicenseSlot Slot { get; private set; }

        /// <summary>The module id a plugin class (or its nearest marked ancestor) is marked with, or null.</summary>
        /// <param name="pluginType">The plugin class.</param>
        /// <returns>The module id, or null when the class is not marked.</returns>
        public static int? ModuleIdOf(Type pluginType)
        {
            if (pluginType == null) throw new ArgumentNullException(nameof(pluginType));
            var attribute = pluginType.GetTypeInfo().GetCustomAttribute<LicensedModuleAttribute>(true);
            return attribute == null ? (int?)null : attribute.ModuleId;
        }

        /// <summary>
        /// Licenses one instance of a plugin: takes a slot for <paramref name="instanceId"/> when the plugin's module counts
        /// instances, or checks that the license covers the module when it does not.
        /// </summary>
        /// <param name="licensing">The licensing service.</param>
        /// <param name="pluginType">The plugin class, marked with <see cref="LicensedModuleAttribute"/>.</param>
        /// <param name="instanceId">The instance's stable id (e.g. the POS terminal's id): the same instance re-takes its slot.</param>
        /// <returns>The license; dispose it when the plugin is unloaded.</returns>
        /// <exception cref="ArgumentException">The class is not marked with <see cref="LicensedModuleAttribute"/>.</exception>
        /// <exception cref="InsufficientLicenseException">Every instance the license allows is running: do not load the plugin.</exception>
        /// <exception cref="ModuleNotLicensedException">The license does not include the plugin's module: do not load it.</exception>
        public static PluginLicense Acquire(ILicensingService licensing, Type pluginType, string instanceId)
        {
            return AcquireAsync(licensing, pluginType, instanceId, CancellationToken.None).GetAwaiter().GetResult();
        }

        /// <summary>The async variant of <see cref="Acquire(ILicensingService, Type, string)"/>.</summary>
        /// <param name="licensing">The licensing service.</param>
        /// <param name="pluginType">The plugin class, marked with <see cref="LicensedModuleAttribute"/>.</param>
        /// <param name="instanceId">The instance's stable id.</param>
        /// <param name="cancellationToken">Stops waiting for the node.</param>
        /// <returns>The license; dispose it when the plugin is unloaded.</returns>
        public static async Task<PluginLicense> AcquireAsync(ILicensingService licensing, Type pluginType, string instanceId, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (licensing == null) throw new ArgumentNullException(nameof(licensing));
            var moduleId = ModuleIdOf(pluginType);
            if (!moduleId.HasValue) throw new ArgumentException("class " + pluginType.FullName + " is not marked with [LicensedModule(moduleId)]", nameof(pluginType));
            if (string.IsNullOrEmpty(instanceId)) throw new ArgumentException("instanceId must be a non-empty string", nameof(instanceId));
            var id = moduleId.Value;
            var name = "plugin " + pluginType.Name + " (module " + id + ")";
            LicenseSlot slot = null;
            if (await CountsInstancesAsync(licensing, id, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    slot = await licensing.AcquireSlotAsync(id, instanceId, cancellationToken).ConfigureAwait(false);
                }
                catch (InsufficientLicenseException e)
                {
                    var p = e.Problem;
                    throw new InsufficientLicenseException(new LicensingProblem(p.Code, name + " not loaded: " + p.Detail, p.Status, ToDictionary(p), p.RequestId, p.Field), e);
                }
                catch (LicensingException e)
                {
                    // The catalog could not be read and the module turned out not to count slots: check it as uncounted.
                    if (e.Code != ErrorCodes.ModuleKindMismatch) throw;
                }
            }
            if (slot == null && !await licensing.IsModuleEnabledAsync(id, cancellationToken).ConfigureAwait(false))
            {
                throw new ModuleNotLicensedException(new LicensingProblem(ErrorCodes.ModuleNotLicensed, name + " not loaded: the license does not include module " + id, null, new Dictionary<string, object> { { "moduleId", (long)id } }));
            }
            return new PluginLicense(pluginType, id, instanceId, slot);
        }

        /// <summary>Releases the instance's slot (if it has one); the next instance can then be loaded.</summary>
        public void Dispose()
        {
            if (Slot != null) Slot.Dispose();
        }

        private static async Task<bool> CountsInstancesAsync(ILicensingService licensing, int moduleId, CancellationToken cancellationToken)
        {
            try
            {
                foreach (var m in await licensing.GetCatalogAsync(cancellationToken).ConfigureAwait(false)) if (m.Id == moduleId) return m.CountsSlots;
                return true;
            }
            catch (LicensingConnectionException)
            {
                throw;
            }
            catch (LicensingException)
            {
                // An unreadable catalog means "try a slot"; the node's answer to that decides.
                return true;
            }
        }

        private static IDictionary<string, object> ToDictionary(LicensingProblem p)
        {
            var d = new Dictionary<string, object>();
            foreach (var pair in p.Data) d[pair.Key] = pair.Value;
            return d;
        }
    }
}
