//! A small JSON Schema validator over `serde_json`, for the fixtures the tests write from a
//! format's documentation (`tests/fixtures/*.schema.json`). It knows the keywords those
//! fixtures use: `type` (`object`, `array`, `string`, `integer`, `number`, `boolean`),
//! `required`, `properties`, `items`, `enum`, `minLength` and `minimum`; any other keyword makes
//! it fail, so that a fixture never asks for more than is checked.

use serde_json::Value;

/// Every place where `value` breaks `schema`, as `path: problem` (empty when it conforms).
pub fn violations(schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(schema, value, "$", &mut out);
    out
}

fn walk(schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let Some(rules) = schema.as_object() else {
        out.push(format!("{at}: the schema is not an object"));
        return;
    };
    for (key, rule) in rules {
        match key.as_str() {
            "$schema" | "$id" | "$comment" | "title" | "description" => {}
            "type" => {
                let ok = match rule.as_str().unwrap_or("") {
                    "object" => value.is_object(),
                    "array" => value.is_array(),
                    "string" => value.is_string(),
                    "integer" => value.is_i64() || value.is_u64(),
                    "number" => value.is_number(),
                    "boolean" => value.is_boolean(),
                    other => {
                        out.push(format!("{at}: unknown type {other:?} in the schema"));
                        true
                    }
                };
                if !ok {
                    out.push(format!("{at}: not of type {rule}: {value}"));
                }
            }
            "required" => {
                for name in rule.as_array().into_iter().flatten() {
                    let name = name.as_str().unwrap_or("");
                    if value.is_object() && value.get(name).is_none() {
                        out.push(format!("{at}: missing {name:?}"));
                    }
                }
            }
            "properties" => {
                for (name, sub) in rule.as_object().into_iter().flatten() {
                    if let Some(v) = value.get(name) {
                        walk(sub, v, &format!("{at}.{name}"), out);
                    }
                }
            }
            "items" => {
                for (i, v) in value.as_array().into_iter().flatten().enumerate() {
                    walk(rule, v, &format!("{at}[{i}]"), out);
                }
            }
            "enum" => {
                if !rule.as_array().is_some_and(|a| a.contains(value)) {
                    out.push(format!("{at}: {value} is not one of {rule}"));
                }
            }
            "minLength" => {
                let min = rule.as_u64().unwrap_or(0);
                if value
                    .as_str()
                    .is_some_and(|s| (s.chars().count() as u64) < min)
                {
                    out.push(format!("{at}: shorter than {min}"));
                }
            }
            "minimum" => {
                let min = rule.as_f64().unwrap_or(0.0);
                if value.as_f64().is_some_and(|n| n < min) {
                    out.push(format!("{at}: below {min}"));
                }
            }
            other => out.push(format!("{at}: keyword {other:?} is not supported here")),
        }
    }
}
