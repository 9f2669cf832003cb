using System.Reflection;
using System.Runtime.CompilerServices;

namespace Pitcrew.Cli.Tests.House;

/// <summary>One name, one type: across the library, the sim and the command line no two types share a simple name.</summary>
public sealed class TypeNameTests
{
    private static readonly Assembly[] Shipped =
    [
        typeof(Pitcrew.Errors.ExitCodes).Assembly,
        typeof(Pitcrew.Sim.SimServer).Assembly,
        typeof(CliApp).Assembly,
    ];

    [Fact]
    public void NoTwoTypesShareAName()
    {
        var clashes = Shipped
            .SelectMany(assembly => assembly.GetTypes())
            .Where(Written)
            .GroupBy(type => type.Name, StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(type => $"{type.FullName} ({type.Assembly.GetName().Name})"))}")
            .ToList();

        Assert.True(clashes.Count == 0, "types that share a name:\n" + string.Join('\n', clashes));
    }

    [Fact]
    public void TheCheckSeesEveryAssembly()
    {
        var names = Shipped.Select(assembly => assembly.GetName().Name).ToList();
        Assert.Equal(["Pitcrew.Core", "Pitcrew.Sim", "pitcrew"], names);
        Assert.All(Shipped, assembly => Assert.True(assembly.GetTypes().Count(Written) > 20, assembly.FullName));
    }

    /// <summary>Types a person wrote: not the compiler's closures, state machines, or source generators' helpers.</summary>
    private static bool Written(Type type) =>
        !type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)
        && !type.Name.Contains('<', StringComparison.Ordinal)
        && !type.Name.StartsWith("__", StringComparison.Ordinal)
        && type.GetCustomAttribute<System.CodeDom.Compiler.GeneratedCodeAttribute>() is null
        && (type.DeclaringType is null || Written(type.DeclaringType))
        && type.Namespace is { } ns && ns.StartsWith("Pitcrew", StringComparison.Ordinal);
}
