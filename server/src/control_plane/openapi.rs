//! `/openapi.json`: an OpenAPI 3.1 document generated from the kind table and the specs' JSON
//! Schemas, so it can never drift from what the server accepts.

use meshlib::api::{PREFIX, Reason};
use meshlib::kind::{KINDS, Kind, Scope};
use serde_json::{Map, Value, json};

/// The failures every API operation may answer with; `default` covers the rest (405, 413, 5xx).
fn error_responses() -> Value {
    let error = json!({"$ref": "#/components/responses/Error"});
    json!({"400": error, "401": error, "403": error, "404": error, "409": error, "default": error})
}

/// Moves a schemars document's `$defs` into `components/schemas`, prefixed with `prefix`.
fn hoist(schema: &Value, prefix: &str, components: &mut Map<String, Value>) -> Value {
    let text = schema
        .to_string()
        .replace("\"#/$defs/", &format!("\"#/components/schemas/{prefix}"));
    let mut schema: Value = serde_json::from_str(&text).expect("re-parsing a schema");
    if let Some(map) = schema.as_object_mut() {
        map.remove("$schema");
        if let Some(Value::Object(defs)) = map.remove("$defs") {
            for (name, def) in defs {
                components.insert(format!("{prefix}{name}"), def);
            }
        }
    }
    schema
}

/// The routes sidecars use to register, beat and leave, and the operator's offline/online.
fn registry_paths(paths: &mut Map<String, Value>, schemas: &mut Map<String, Value>) {
    use meshlib::registry::{Heartbeat, HeartbeatReply, Registration};
    for (name, schema) in [
        ("Registration", schemars::schema_for!(Registration).to_value()),
        ("Heartbeat", schemars::schema_for!(Heartbeat).to_value()),
        ("HeartbeatReply", schemars::schema_for!(HeartbeatReply).to_value()),
    ] {
        let schema = hoist(&schema, name, schemas);
        schemas.insert(name.to_owned(), schema);
    }
    let tag = ["Registry"];
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let body = |name: &str| json!({"required": true, "content": {"application/json": {"schema": schema(name)}}});
    let answer = |description: &str, name: &str| json!({"description": description, "content": {"application/json": {"schema": schema(name)}}});
    let instance = "#/components/schemas/ServiceInstance";
    let base = format!("{PREFIX}/registry/instances");
    let params = json!([
        {"name": "service", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
    ]);
    let errors = error_responses();
    let with_errors = |mut responses: Value| {
        responses
            .as_object_mut()
            .expect("object")
            .extend(errors.as_object().expect("object").clone());
        responses
    };
    paths.insert(base.clone(), json!({"post": {
        "tags": tag, "summary": "Register (or re-register) an instance; its Service must exist (404 until it does)",
        "requestBody": body("Registration"),
        "responses": with_errors(json!({"201": {"description": "registered", "content": {"application/json": {"schema": {"$ref": instance}}}},
                                        "200": {"description": "registered again"}})),
    }}));
    paths.insert(
        format!("{base}/{{service}}/{{id}}"),
        json!({"parameters": params, "delete": {
            "tags": tag, "summary": "Deregister an instance (its sidecar is stopping)",
            "responses": with_errors(json!({"200": {"description": "removed"}})),
        }}),
    );
    paths.insert(format!("{base}/{{service}}/{{id}}/heartbeat"), json!({"parameters": params, "put": {
        "tags": tag,
        "summary": "Heartbeat, with the local health check's verdict; 404 means register again. No beat for 2 × heartbeatInterval makes the instance OUT_OF_SERVICE",
        "requestBody": body("Heartbeat"),
        "responses": with_errors(json!({"200": answer("status now, and the interval to beat at", "HeartbeatReply")})),
    }}));
    for (verb, summary) in [
        (
            "offline",
            "Take an instance offline; it stays OUT_OF_SERVICE whatever its heartbeats say",
        ),
        ("online", "Put an instance taken offline back online"),
    ] {
        paths.insert(format!("{base}/{{service}}/{{id}}/{verb}"), json!({"parameters": params, "put": {
            "tags": tag, "summary": summary,
            "responses": with_errors(json!({"200": {"description": "the instance", "content": {"application/json": {"schema": {"$ref": instance}}}}})),
        }}));
    }
    let counters = json!({"type": "object", "required": ["requests", "errors", "buckets"], "properties": {
        "requests": {"type": "number", "description": "inbound requests answered"},
        "errors": {"type": "number", "description": "of which with a 5xx status"},
        "buckets": {"type": "array", "description": "cumulative latency buckets, [le, count]; le as Prometheus writes it (\"+Inf\" last)",
                    "items": {"type": "array", "items": {"type": ["string", "number"]}, "minItems": 2, "maxItems": 2}},
    }});
    let item = json!({"type": "object", "required": ["instance", "service", "inbound"], "properties": {
        "instance": {"type": "string"}, "service": {"type": "string"},
        "inbound": {"description": "null when its sidecar could not be read", "oneOf": [counters, {"type": "null"}]},
    }});
    paths.insert(meshlib::metrics::INSTANCES_PATH.to_owned(), json!({"get": {
        "tags": ["Metrics"],
        "summary": "Inbound counters of every UP instance, gathered now from the /metrics of its sidecar's admin port",
        "responses": with_errors(json!({"200": {"description": "one item per UP instance with an admin port",
            "content": {"application/json": {"schema": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": item}}}}}}})),
    }}));
}

/// The metadata schema of a kind's objects: the common one, and for CustomResourceKinds the
/// rule on kind names (`spec::custom`), since their names become kinds.
fn metadata_of(kind: Kind) -> Value {
    let metadata = json!({"$ref": "#/components/schemas/Metadata"});
    if kind == Kind::CustomResourceKind {
        json!({"allOf": [metadata, {"properties": {"name": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]{0,62}$"}}}]})
    } else {
        metadata
    }
}

/// Builds the document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for info in KINDS {
        let spec = hoist(&(info.schema)(), info.name, &mut schemas);
        schemas.insert(format!("{}Spec", info.name), spec);
        let properties = json!({
            "apiVersion": {"type": "string", "const": meshlib::resource::API_VERSION},
            "kind": {"type": "string", "const": info.name},
            "metadata": metadata_of(info.kind),
            "spec": {"$ref": format!("#/components/schemas/{}Spec", info.name)},
        });
        schemas.insert(
            info.name.to_owned(),
            json!({
                "type": "object",
                "description": match meshlib::inert::summary(info.kind) {
                    Some(summary) => format!("{} {summary}", info.description),
                    None => info.description.to_owned(),
                },
                "required": ["kind", "metadata", "spec"],
                "properties": properties,
            }),
        );
        let object = json!({"$ref": format!("#/components/schemas/{}", info.name)});
        // What a request may leave out: `kind` (the URL's), and on PUT `metadata` (the name is
        // the URL's too).
        let body = |required: &[&str]| {
            json!({"required": true, "content": {"application/json": {"schema":
                {"type": "object", "required": required, "properties": properties}}}})
        };
        let ok = |description: &str| json!({"description": description, "content": {"application/json": {"schema": object}}});
        let tag = [info.name];
        let mut collection = json!({
            "get": {
                "tags": tag, "summary": format!("List {} (or watch with ?watch=true: newline-delimited WatchEvents)", info.plural),
                "parameters": [
                    {"name": "labelSelector", "in": "query", "schema": {"type": "string"}},
                    {"name": "watch", "in": "query", "schema": {"type": "boolean"}}
                ],
                "responses": {"200": {"description": "the list", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/List"}}}}},
            },
        });
        let mut item = json!({
            "get": {"tags": tag, "summary": format!("Read a {}", info.name), "responses": {"200": ok("the object")}},
        });
        if info.writable {
            collection["post"] = json!({"tags": tag, "summary": format!("Create a {}", info.name), "requestBody": body(&["metadata", "spec"]),
                "responses": {"201": ok("created")}});
            item["put"] = json!({"tags": tag, "summary": format!("Replace a {}; a stale metadata.resourceVersion gets 409", info.name),
                "requestBody": body(&["spec"]), "responses": {"200": ok("updated")}});
        }
        if info.writable || info.scope == Scope::Registry {
            item["delete"] = json!({"tags": tag, "summary": format!("Delete a {}", info.name),
                "parameters": [{"name": "resourceVersion", "in": "query", "description": "delete only if the object is still at this version (409 otherwise)",
                                "schema": {"type": "string", "pattern": "^[0-9]{1,19}$"}}],
                "responses": {"200": ok("the deleted object")}});
        }
        for operation in collection
            .as_object_mut()
            .into_iter()
            .chain(item.as_object_mut())
            .flat_map(|m| m.values_mut())
        {
            operation["responses"]
                .as_object_mut()
                .expect("responses")
                .extend(error_responses().as_object().expect("object").clone());
        }
        let base = format!("{PREFIX}/resources/{}", info.plural);
        item["parameters"] = json!([{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}]);
        paths.insert(base.clone(), collection);
        paths.insert(format!("{base}/{{name}}"), item);
    }
    schemas.insert(
        "Metadata".into(),
        json!({
            "type": "object", "required": ["name"],
            "properties": {
                // `meshlib::validate::check_name`.
                "name": {"type": "string", "pattern": "^[A-Za-z0-9._~-]{1,253}$"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "resourceVersion": {"type": "string"},
                "creationTimestamp": {"type": "string", "format": "date-time"},
            },
        }),
    );
    schemas.insert(
        "List".into(),
        json!({
            "type": "object",
            "properties": {
                "apiVersion": {"type": "string"}, "kind": {"const": "List"},
                "metadata": {"type": "object", "properties": {"resourceVersion": {"type": "string"}}},
                "items": {"type": "array", "items": {"type": "object"}},
            },
        }),
    );
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.name()).collect();
    schemas.insert("Error".into(), json!({
        "type": "object", "required": ["code", "reason", "message"],
        "properties": {
            "code": {"type": "integer", "description": "the HTTP status"},
            "reason": {"type": "string", "enum": reasons, "description": "why, for programs (the message is for people and may change)"},
            "message": {"type": "string"},
            "details": {"type": "array", "description": "every field problem of a refused object (reason Invalid)",
                        "items": {"type": "object", "required": ["field", "message"], "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        },
    }));
    registry_paths(&mut paths, &mut schemas);
    let status = json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}});
    let version = json!({"type": "object", "required": ["version", "apiVersion", "store"], "properties": {
        "version": {"type": "string"}, "apiVersion": {"type": "string"}, "store": {"type": "string"}}});
    for (path, summary, schema) in [
        ("/healthz", "Liveness", &status),
        (
            "/readyz",
            "Readiness: the store answers (503 when it does not)",
            &status,
        ),
        ("/version", "Server version", &version),
    ] {
        paths.insert(
            path.into(),
            json!({"get": {"summary": summary, "security": [], "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": schema}}},
                "default": {"$ref": "#/components/responses/Error"},
            }}}),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "EaseMesh-compatible control plane",
            "version": meshlib::VERSION,
            "description": "Mesh resources. EaseMesh's own routes (/apis/v2/mesh/..., /apis/v2/objects) are served too, with flat bodies.",
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "failure", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        },
    })
}
