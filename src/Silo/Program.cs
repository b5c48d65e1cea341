using Microsoft.Extensions.Hosting;
using Orleans.Recovery.Silo;

// A silo on its own, without the HTTP API. The API co-hosts the same silo by default (see src/Api).
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.AddRecoverySilo(builder.Configuration));
await builder.Build().RunAsync();
