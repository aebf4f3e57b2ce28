using System;

namespace Licensor.Client
{
    /// <summary>
    /// Marks a plugin class with its licensed module id (the POS plugin API's <c>PluginLicenseModuleId</c>):
    /// <c>[LicensedModule(10001)] public sealed class CustomerScreen { … }</c>. A subclass is licensed under the module of
    /// its nearest marked ancestor. <see cref="PluginLicense.Acquire(ILicensingService, Type, string)"/> reads it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
    public sealed class LicensedModuleAttribute : Attribute
    {
        /// <summary>Marks the class with its licensed module id.</summary>
        /// <param name="moduleId">The module id the plugin was registered under (a positive integer).</param>
        public LicensedModuleAttribute(int moduleId)
        {
            if (moduleId <= 0) throw new ArgumentOutOfRangeException(nameof(moduleId), "moduleId must be a positive module id");
            ModuleId = moduleId;
        }

        /// <summary>The licensed module id.</summary>
        public int ModuleId { get; private set; }
    }
}
