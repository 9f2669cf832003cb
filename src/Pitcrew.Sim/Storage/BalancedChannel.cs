using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pitcrew.Etcd;

namespace Pitcrew.Sim.Storage;

/// <summary>
/// One gRPC channel over every etcd member, as kube-apiserver's --etcd-servers: calls go round robin to the members that
/// answer, a member that went away is left out until it is back, and a call that found no connection is tried again.
/// </summary>
internal static class BalancedChannel
{
    public static GrpcChannel Create(EtcdConnectionOptions options)
    {
        var uris = options.Endpoints.Select(options.EndpointUri).ToList();
        if (uris.Count == 1 || uris.Any(u => u.Scheme != "http"))
        {
            // One member, or TLS (only external etcds have it): the first endpoint, as before.
            return EtcdChannelFactory.Create(options, options.Endpoints[0]);
        }

        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => [.. uris.Select(u => new BalancerAddress(u.Host, u.Port))]));
        return GrpcChannel.ForAddress("static:///etcd", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceProvider = services.BuildServiceProvider(),
            MaxReceiveMessageSize = null,
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(2),
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            },
            DisposeHttpClient = true,
            ServiceConfig = new ServiceConfig
            {
                LoadBalancingConfigs = { new RoundRobinConfig() },
                MethodConfigs =
                {
                    new MethodConfig
                    {
                        Names = { MethodName.Default },
                        RetryPolicy = new RetryPolicy
                        {
                            MaxAttempts = 3,
                            InitialBackoff = TimeSpan.FromMilliseconds(100),
                            MaxBackoff = TimeSpan.FromSeconds(1),
                            BackoffMultiplier = 2,
                            RetryableStatusCodes = { StatusCode.Unavailable },
                        },
                    },
                },
            },
        });
    }
}
