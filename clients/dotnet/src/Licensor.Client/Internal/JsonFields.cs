using System.Collections.Generic;

namespace Licensor.Client.Internal
{
    /// <summary>Typed reads from a parsed JSON object; a missing or mistyped field reads as null.</summary>
    internal static class JsonFields
    {
        /// <summary>A string field, or null.</summary>
        public static string String(IDictionary<string, object> obj, string key)
        {
            object v;
            return obj != null && obj.TryGetValue(key, out v) ? v as string : null;
        }

        /// <summary>An integral number field, or null.</summary>
        public static long? Long(IDictionary<string, object> obj, string key)
        {
            object v;
            if (obj == null || !obj.TryGetValue(key, out v)) return null;
            if (v is long) return (long)v;
            return null;
        }

        /// <summary>A boolean field, or null.</summary>
        public static bool? Bool(IDictionary<string, object> obj, string key)
        {
            object v;
            if (obj == null || !obj.TryGetValue(key, out v)) return null;
            if (v is bool) return (bool)v;
            return null;
        }

        /// <summary>An object field, or null.</summary>
        public static Dictionary<string, object> Object(IDictionary<string, object> obj, string key)
        {
            object v;
            return obj != null && obj.TryGetValue(key, out v) ? v as Dictionary<string, object> : null;
        }

        /// <summary>An array field, or an empty list.</summary>
        public static List<object> Array(IDictionary<string, object> obj, string key)
        {
            object v;
            var list = obj != null && obj.TryGetValue(key, out v) ? v as List<object> : null;
            return list ?? new List<object>();
        }

        /// <summary>The strings of an array field.</summary>
        public static List<string> Strings(IDictionary<string, object> obj, string key)
        {
            var result = new List<string>();
            foreach (var item in Array(obj, key))
            {
                var s = item as string;
                if (s != null) result.Add(s);
            }
            return result;
        }

        /// <summary>The integers of an array field.</summary>
        public static List<int> Ints(IDictionary<string, object> obj, string key)
        {
            var result = new List<int>();
            foreach (var item in Array(obj, key)) if (item is long) result.Add((int)(long)item);
            return result;
        }
    }
}
