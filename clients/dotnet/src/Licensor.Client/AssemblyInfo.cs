using System.Reflection;

[assembly: AssemblyTitle("Licensor.Client")]
[assembly: AssemblyDescription("Client of a Licensor license node")]
[assembly: AssemblyVersion("0.1.0.0")]
[assembly: AssemblyFileVersion("0.1.0.0")]
