using Orleans.Recovery.Testing;
using YamlDotNet.RepresentationModel;

namespace Orleans.Recovery.Cluster.Tests.Deploy;

/// <summary>
/// deploy/k8s as kubectl would read it. There is no cluster here to apply it to; these check that the manifests agree
/// with each other: the network policy closes the ports the silo Deployment opens, to everything but the cluster.
/// </summary>
[Trait("Category", "Unit")]
public sealed class KubernetesManifestTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "deploy", "k8s");

    [Fact]
    public void OnlySiloAndApiPodsMayReachTheSilosOwnPorts()
    {
        var silo = Documents("silo.yaml").Single(d => Text(d, "kind") == "Deployment");
        var ports = Sequence(silo, "spec", "template", "spec", "containers").Cast<YamlMappingNode>().Single()
            .Children[new YamlScalarNode("ports")].AllNodes.OfType<YamlMappingNode>()
            .ToDictionary(port => Text(port, "name"), port => Text(port, "containerPort"));
        var policy = Documents("network-policy.yaml").Single(d => Text(d, "kind") == "NetworkPolicy");

        Assert.Equal(Labels(silo, "spec", "selector", "matchLabels"), Labels(policy, "spec", "podSelector", "matchLabels"));
        var rules = Sequence(policy, "spec", "ingress").Cast<YamlMappingNode>().ToList();
        var clusterOnly = rules.Single(rule => rule.Children.ContainsKey(new YamlScalarNode("from")));
        Assert.Equal([ports["silo"], ports["gateway"]], Sequence(clusterOnly, "ports").Cast<YamlMappingNode>().Select(port => Text(port, "port")));
        var allowed = Sequence(clusterOnly, "from").Cast<YamlMappingNode>().Select(peer => Labels(peer, "podSelector", "matchLabels")).ToList();
        Assert.Equal(["app=recovery,role=api", "app=recovery,role=silo"], allowed.Order());

        // The only port open to anyone else is the health port the kubelet probes.
        var open = rules.Where(rule => !rule.Children.ContainsKey(new YamlScalarNode("from")))
            .SelectMany(rule => Sequence(rule, "ports").Cast<YamlMappingNode>().Select(port => Text(port, "port")));
        Assert.Equal([ports["health"]], open);
    }

    [Fact]
    public void TheKustomizationAppliesEveryManifest()
    {
        var listed = Sequence(Documents("kustomization.yaml").Single(), "resources").Cast<YamlScalarNode>().Select(node => node.Value!).Order();
        var files = Directory.GetFiles(Folder, "*.yaml").Select(Path.GetFileName).Where(name => name != "kustomization.yaml").Order();

        Assert.Equal(files, listed);
    }

    private static List<YamlMappingNode> Documents(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Folder, file))));
        return [.. stream.Documents.Select(document => (YamlMappingNode)document.RootNode)];
    }

    private static YamlNode Node(YamlNode node, params string[] path) =>
        path.Aggregate(node, (current, key) => ((YamlMappingNode)current).Children[new YamlScalarNode(key)]);

    private static string Text(YamlNode node, params string[] path) => ((YamlScalarNode)Node(node, path)).Value!;

    private static YamlSequenceNode Sequence(YamlNode node, params string[] path) => (YamlSequenceNode)Node(node, path);

    private static string Labels(YamlNode node, params string[] path) =>
        string.Join(",", ((YamlMappingNode)Node(node, path)).Children.Select(pair => $"{pair.Key}={pair.Value}").Order());
}
