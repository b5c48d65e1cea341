using Orleans.Recovery.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddRecoveryEngine();
builder.AddRecoveryApi();

var app = builder.Build();
app.MapRecoveryApi();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
