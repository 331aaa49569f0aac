//! The kind table: every built-in kind once, with its names, URL segment, scope, list columns and
//! spec codec. Decoding, the REST routes, the client, the CLI and tables are all driven by it.

use std::fmt;

use serde_json::Value;

use crate::spec;
use crate::validate::FieldError;

mod resource_kind;
pub use resource_kind::ResourceKind;

/// A built-in kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Kind {
    MeshController,
    Tenant,
    Service,
    ServiceInstance,
    LoadBalance,
    Resilience,
    Mock,
    ObservabilityMetrics,
    ObservabilityTracings,
    ObservabilityOutputServer,
    Ingress,
    HttpRouteGroup,
    TrafficTarget,
    TrafficSplit,
    ServiceCanary,
    ServiceFence,
    CustomResourceKind,
    ShadowService,
}

/// Where a kind's objects live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A stored object of its own.
    Object,
    /// A part of the Service of the same name, at this path inside the Service spec.
    ServicePart(&'static [&'static str]),
    /// Registered by sidecars, read and taken offline by users; named `service/instance`.
    Registry,
}

/// One list column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Upper-case header.
    pub header: &'static str,
    /// Shown only with `-o wide`.
    pub wide: bool,
    /// What the cell shows.
    pub cell: Cell,
}

/// How a column's cell is computed from the spec (paths are JSON pointers into `spec`).
#[derive(Debug, Clone, Copy)]
pub enum Cell {
    /// The value itself: scalars as text, lists comma-joined, maps as `k=v`.
    Field(&'static str),
    /// The number of items of a list or entries of a map.
    Count(&'static str),
    /// `on` when the value is present, `-` otherwise.
    Present(&'static str),
    /// A list of objects shown by one of their fields.
    Names(&'static str, &'static str),
    /// A list of objects shown as `key=value` from two of their fields.
    Entries(&'static str, &'static str, &'static str),
    /// A map of header name to exact/prefix/regex matcher.
    Matchers(&'static str),
    /// Time since the RFC 3339 time at the pointer (`12s`).
    Since(&'static str),
    /// Time since the object was created; placed here instead of at the end.
    Age,
}

/// Decodes and validates a spec of this kind: `(name, spec, path) -> canonical spec`.
pub type Normalize = fn(&str, Value, &str) -> Result<Value, Vec<FieldError>>;

/// Everything known about a built-in kind.
#[derive(Debug)]
pub struct KindInfo {
    /// The kind.
    pub kind: Kind,
    /// Canonical name, as written in `kind:`.
    pub name: &'static str,
    /// Lower-case plural, used in URLs and on the command line.
    pub plural: &'static str,
    /// Short names accepted on the command line.
    pub aliases: &'static [&'static str],
    /// EaseMesh URL segment (`/apis/v2/mesh/<segment>`, or the part name under a service).
    pub segment: &'static str,
    /// Where objects live.
    pub scope: Scope,
    /// Whether users may create and update objects of this kind.
    pub writable: bool,
    /// Columns after NAME (AGE is appended to every table).
    pub columns: &'static [Column],
    /// Decodes and validates a spec.
    pub normalize: Normalize,
    /// The spec's JSON Schema.
    pub schema: fn() -> Value,
    /// Write-only fields: JSON pointers into `spec` (`*` is any key or index) whose values are
    /// stored but read back as [`crate::redact::REDACTED`].
    pub write_only: &'static [&'static str],
    /// One line for `emctl api-resources` and the OpenAPI document: what the kind is for. What
    /// of it is not acted on yet is in [`crate::inert`], not here.
    pub description: &'static str,
}

const fn col(header: &'static str, cell: Cell) -> Column {
    Column {
        header,
        wide: false,
        cell,
    }
}

const fn wide(header: &'static str, cell: Cell) -> Column {
    Column {
        header,
        wide: true,
        cell,
    }
}

macro_rules! kind {
    ($kind:ident, $spec:ty, $name:literal, $plural:literal, [$($alias:literal),*], $segment:literal,
     $scope:expr, $writable:literal, [$($column:expr),* $(,)?], $description:literal
     $(, write_only: [$($write_only:literal),*])?) => {
        KindInfo {
            kind: Kind::$kind,
            name: $name,
            plural: $plural,
            aliases: &[$($alias),*],
            segment: $segment,
            scope: $scope,
            writable: $writable,
            columns: &[$($column),*],
            normalize: spec::normalize::<$spec>,
            schema: spec::json_schema::<$spec>,
            write_only: &[$($($write_only),*)?],
            description: $description,
        }
    };
}

use Cell::{Count, Entries, Field, Matchers, Names, Present, Since};
use spec::canary::ServiceCanarySpec;
use spec::custom::CustomResourceKindSpec;
use spec::fence::ServiceFenceSpec;
use spec::ingress::IngressSpec;
use spec::instance::ServiceInstanceSpec;
use spec::load_balance::LoadBalanceSpec;
use spec::mesh_controller::MeshControllerSpec;
use spec::mock::MockSpec;
use spec::observability::{MetricsSpec, OutputServerSpec, TracingsSpec};
use spec::resilience::ResilienceSpec;
use spec::service::ServiceSpec;
use spec::shadow::ShadowServiceSpec;
use spec::smi::{HttpRouteGroupSpec, TrafficSplitSpec, TrafficTargetSpec};
use spec::tenant::TenantSpec;

/// The kind table, in the order `emctl api-resources` lists it.
pub static KINDS: &[KindInfo] = &[
    kind!(
        MeshController,
        MeshControllerSpec,
        "MeshController",
        "meshcontrollers",
        ["mc"],
        "objects",
        Scope::Object,
        true,
        [
            col("HEARTBEAT", Field("/heartbeatInterval")),
            col("REGISTRY", Field("/registryType")),
            col("API-PORT", Field("/apiPort")),
            col("INGRESS-PORT", Field("/ingressPort")),
            wide("MTLS", Field("/security/mtlsMode"))
        ],
        "Mesh-wide settings: heartbeats, registry protocol, sidecar ports, injected images"
    ),
    kind!(
        Tenant,
        TenantSpec,
        "Tenant",
        "tenants",
        ["tn"],
        "tenants",
        Scope::Object,
        true,
        [
            col("SERVICES", Field("/services")),
            col("DESCRIPTION", Field("/description"))
        ],
        "A group of services that see each other; services of `global` are seen by all"
    ),
    kind!(
        Service,
        ServiceSpec,
        "Service",
        "services",
        ["svc"],
        "services",
        Scope::Object,
        true,
        [
            // Only what the mesh acts on: the `sidecar.*` block is accepted but not followed
            // (meshlib::inert), so its ports are not shown as if they were.
            col("TENANT", Field("/registerTenant")),
            col("LOAD-BALANCE", Field("/loadBalance/policy")),
            col("RESILIENCE", Present("/resilience")),
            wide("MOCK", Present("/mock"))
        ],
        "A mesh service: its tenant and traffic policies"
    ),
    kind!(
        ServiceInstance,
        ServiceInstanceSpec,
        "ServiceInstance",
        "serviceinstances",
        ["si", "instance", "instances"],
        "serviceinstances",
        Scope::Registry,
        false,
        [
            col("SERVICE", Field("/serviceName")),
            col("TENANT", Field("/tenant")),
            col("INSTANCE", Field("/instanceID")),
            col("CANARY", Field("/canary")),
            col("STATUS", Field("/status")),
            wide("IP", Field("/ip")),
            wide("PORT", Field("/port")),
            wide("AGE", Cell::Age),
            wide("LAST HEARTBEAT", Since("/lastHeartbeatTime")),
        ],
        "A running instance, registered by its sidecar"
    ),
    kind!(
        LoadBalance,
        LoadBalanceSpec,
        "LoadBalance",
        "loadbalances",
        ["lb"],
        "loadbalance",
        Scope::ServicePart(&["loadBalance"]),
        true,
        [
            col("POLICY", Field("/policy")),
            col("HEADER-HASH-KEY", Field("/headerHashKey"))
        ],
        "How callers of a service pick an instance (part of the Service)"
    ),
    kind!(
        Resilience,
        ResilienceSpec,
        "Resilience",
        "resiliences",
        ["rs"],
        "resilience",
        Scope::ServicePart(&["resilience"]),
        true,
        [
            col("RATE-LIMITER", Present("/rateLimiter")),
            col("CIRCUIT-BREAKER", Present("/circuitBreaker")),
            col("RETRY", Present("/retry")),
            col("TIMEOUT", Field("/timeLimiter/timeout"))
        ],
        "Rate limiting, circuit breaking, retries and timeouts of a service (part of the Service)"
    ),
    kind!(
        Mock,
        MockSpec,
        "Mock",
        "mocks",
        [],
        "mock",
        Scope::ServicePart(&["mock"]),
        true,
        [col("ENABLED", Field("/enabled")), col("RULES", Count("/rules"))],
        "Canned responses callers get instead of the service (part of the Service)"
    ),
    kind!(
        ObservabilityMetrics,
        MetricsSpec,
        "ObservabilityMetrics",
        "observabilitymetrics",
        ["metrics"],
        "metrics",
        Scope::ServicePart(&["observability", "metrics"]),
        true,
        [col("ENABLED", Field("/enabled"))],
        "Agent metrics settings of a service (part of the Service)"
    ),
    kind!(
        ObservabilityTracings,
        TracingsSpec,
        "ObservabilityTracings",
        "observabilitytracings",
        ["tracings"],
        "tracings",
        Scope::ServicePart(&["observability", "tracings"]),
        true,
        [
            col("ENABLED", Field("/enabled")),
            col("SAMPLE-BY-QPS", Field("/sampleByQPS"))
        ],
        "Agent tracing settings of a service (part of the Service)"
    ),
    kind!(
        ObservabilityOutputServer,
        OutputServerSpec,
        "ObservabilityOutputServer",
        "observabilityoutputservers",
        ["outputserver"],
        "outputserver",
        Scope::ServicePart(&["observability", "outputServer"]),
        true,
        [
            col("ENABLED", Field("/enabled")),
            col("BOOTSTRAP-SERVER", Field("/bootstrapServer"))
        ],
        "Where a service's agents send their data (part of the Service)"
    ),
    kind!(
        Ingress,
        IngressSpec,
        "Ingress",
        "ingresses",
        ["ing"],
        "ingresses",
        Scope::Object,
        true,
        [col("RULES", Count("/rules"))],
        "North-south routes from the mesh ingress to services"
    ),
    kind!(
        HttpRouteGroup,
        HttpRouteGroupSpec,
        "HTTPRouteGroup",
        "httproutegroups",
        ["hrg"],
        "httproutegroups",
        Scope::Object,
        true,
        [col("MATCHES", Names("/matches", "name"))],
        "Named HTTP matches for TrafficTargets and TrafficSplits (SMI)"
    ),
    kind!(
        TrafficTarget,
        TrafficTargetSpec,
        "TrafficTarget",
        "traffictargets",
        ["tt"],
        "traffictargets",
        Scope::Object,
        true,
        [
            col("DESTINATION", Field("/destination/name")),
            col("SOURCES", Names("/sources", "name")),
            col("RULES", Names("/rules", "name"))
        ],
        "Lets source services discover a destination service of another tenant (SMI)"
    ),
    kind!(
        TrafficSplit,
        TrafficSplitSpec,
        "TrafficSplit",
        "trafficsplits",
        ["ts", "split"],
        "trafficsplits",
        Scope::Object,
        true,
        [
            col("SERVICE", Field("/service")),
            col("BACKENDS", Entries("/backends", "service", "weight"))
        ],
        "Splits a root service's traffic between backends by weight (SMI)"
    ),
    kind!(
        ServiceCanary,
        ServiceCanarySpec,
        "ServiceCanary",
        "servicecanaries",
        ["canary", "canaries", "sc"],
        "servicecanaries",
        Scope::Object,
        true,
        [
            col("PRIORITY", Field("/priority")),
            col("SERVICES", Field("/selector/matchServices")),
            col("INSTANCE-LABELS", Field("/selector/matchInstanceLabels")),
            wide("TRAFFIC-RULES", Matchers("/trafficRules/headers"))
        ],
        "Sends matching requests to instances carrying given labels"
    ),
    kind!(
        ServiceFence,
        ServiceFenceSpec,
        "ServiceFence",
        "servicefences",
        ["fence", "sf"],
        "servicefences",
        Scope::Object,
        true,
        [
            col("ENABLED", Field("/enable")),
            col("STATIC", Count("/staticDependencies")),
            col("LEARNED", Count("/learnedDependencies"))
        ],
        "Declares the services a service calls, meant to limit its sidecar's config"
    ),
    kind!(
        CustomResourceKind,
        CustomResourceKindSpec,
        "CustomResourceKind",
        "customresourcekinds",
        ["crk"],
        "customresourcekinds",
        Scope::Object,
        true,
        [],
        "A user-defined kind and the JSON Schema of its resources"
    ),
    kind!(
        ShadowService,
        ShadowServiceSpec,
        "ShadowService",
        "shadowservices",
        ["shadow", "shadows"],
        "shadowservices",
        Scope::Object,
        true,
        [
            col("NAMESPACE", Field("/namespace")),
            col("SERVICE", Field("/serviceName")),
            col("HEADER-VALUE", Field("/trafficHeaderValue")),
            wide("ENVS", Count("/envs")),
            wide("CONFIGMAPS", Count("/configMaps")),
            wide("SECRETS", Count("/secrets"))
        ],
        "A copy of a meshed workload reached only with `X-Mesh-Shadow: <trafficHeaderValue>`, made in the namespaces `emctl install --shadow-namespace` names (elsewhere only stored)",
        write_only: [
            "/mysql/password",
            "/redis/password",
            "/rabbitMq/password",
            "/elasticSearch/password",
            "/secrets/*/data/*",
            "/secrets/*/stringData/*"
        ]
    ),
];

impl Kind {
    /// This kind's row in [`KINDS`].
    #[must_use]
    pub fn info(self) -> &'static KindInfo {
        KINDS
            .iter()
            .find(|k| k.kind == self)
            .expect("every kind has a row in KINDS")
    }

    /// Canonical name.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The kind whose canonical name is `name`, ignoring case (what `kind:` in a file accepts).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        KINDS.iter().find(|k| k.name.eq_ignore_ascii_case(name)).map(|k| k.kind)
    }

    /// The kind named, pluralised or aliased by `word`, ignoring case (what the CLI accepts).
    #[must_use]
    pub fn lookup(word: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|k| {
                k.name.eq_ignore_ascii_case(word)
                    || k.plural.eq_ignore_ascii_case(word)
                    || k.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
            })
            .map(|k| k.kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const ALL: &[Kind] = &[
        Kind::MeshController,
        Kind::Tenant,
        Kind::Service,
        Kind::ServiceInstance,
        Kind::LoadBalance,
        Kind::Resilience,
        Kind::Mock,
        Kind::ObservabilityMetrics,
        Kind::ObservabilityTracings,
        Kind::ObservabilityOutputServer,
        Kind::Ingress,
        Kind::HttpRouteGroup,
        Kind::TrafficTarget,
        Kind::TrafficSplit,
        Kind::ServiceCanary,
        Kind::ServiceFence,
        Kind::CustomResourceKind,
        Kind::ShadowService,
    ];

    #[test]
    fn every_kind_has_exactly_one_row() {
        for kind in ALL {
            assert_eq!(KINDS.iter().filter(|k| k.kind == *kind).count(), 1, "{kind:?}");
            assert_eq!(kind.info().kind, *kind);
        }
        assert_eq!(KINDS.len(), ALL.len());
    }

    #[test]
    fn names_plurals_and_aliases_are_unique_ignoring_case() {
        let mut seen = BTreeSet::new();
        for info in KINDS {
            let words: BTreeSet<String> = [info.name, info.plural]
                .iter()
                .chain(info.aliases)
                .map(|w| w.to_ascii_lowercase())
                .collect();
            for word in words {
                assert!(seen.insert(word.clone()), "{word} names two kinds");
            }
        }
    }

    #[test]
    fn lookup_round_trips_every_spelling() {
        for info in KINDS {
            for word in [info.name, info.plural].iter().chain(info.aliases) {
                assert_eq!(Kind::lookup(word), Some(info.kind));
                assert_eq!(Kind::lookup(&word.to_ascii_uppercase()), Some(info.kind));
            }
            assert_eq!(Kind::from_name(&info.name.to_ascii_lowercase()), Some(info.kind));
        }
        assert_eq!(
            ResourceKind::lookup("LoadTest"),
            ResourceKind::Custom("LoadTest".into())
        );
    }

    #[test]
    fn every_spec_schema_compiles() {
        for info in KINDS {
            let schema = (info.schema)();
            assert!(jsonschema::validator_for(&schema).is_ok(), "{}", info.name);
        }
    }
}
