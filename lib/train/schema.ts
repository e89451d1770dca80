/**
 * A small schema for flat config objects: per field its type, range or allowed values, and a doc line.
 * One schema checks a JSON file, a notebook's config object and the CLI's `--set key=value` text,
 * and every error names the field, the value and what is allowed:
 *
 *   --set beta=abc: beta must be a number ≥ 0, got "abc"
 *   my.json: unknown field "bta"; fields are name, model, seed, …
 */

/** A config value that breaks its schema; `field` is its dotted path (`betaSchedule.warmup`). */
export class SchemaError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "SchemaError";
  }
}

/**
 * One field. Numbers are always finite; bounds are inclusive unless `exclusiveMin`/`exclusiveMax`.
 * An `optional` field may be absent (and stays absent when no default gives it): model-specific
 * options, so that adding them leaves the other models' saved configs unchanged.
 */
export type Field = (
  | { type: "number"; doc: string; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { type: "integer"; doc: string; min?: number; max?: number }
  | { type: "boolean"; doc: string }
  | { type: "string"; doc: string; pattern: RegExp; expected: string }
  | { type: "enum"; doc: string; values: readonly string[] }
  | { type: "array"; doc: string; items: Field; minItems?: number; unique?: boolean }
  | { type: "union"; doc: string; tag: string; variants: Record<string, Fields> }
) & { optional?: boolean };

/** The fields of an object, by name. */
export type Fields = Record<string, Field>;

/** What a field takes, in words: "a number > 0 and ≤ 1", "one of thesis, martinez". */
export function describe(f: Field): string {
  switch (f.type) {
    case "number":
    case "integer": {
      const what = f.type === "number" ? "a number" : "an integer";
      const lo = f.min === undefined ? "" : `${f.type === "number" && f.exclusiveMin ? ">" : "≥"} ${f.min}`;
      const hi = f.max === undefined ? "" : `${f.type === "number" && f.exclusiveMax ? "<" : "≤"} ${f.max}`;
      return [what, [lo, hi].filter(Boolean).join(" and ")].filter(Boolean).join(" ");
    }
    case "boolean":
      return "true or false";
    case "string":
      return f.expected;
    case "enum":
      return `one of ${f.values.join(", ")}`;
    case "array": {
      const size = f.minItems ? (f.minItems === 1 ? "a non-empty list" : `a list of at least ${f.minItems}`) : "a list";
      const item =
        f.items.type === "enum" ? `values from ${f.items.values.join(", ")}` : `items that are ${describe(f.items)}`;
      return `${size} of ${f.unique ? "distinct " : ""}${item}`;
    }
    case "union":
      return `an object whose ${f.tag} is one of ${Object.keys(f.variants).join(", ")} (${unionShapes(f)})`;
  }
}

function unionShapes(f: Extract<Field, { type: "union" }>): string {
  return Object.entries(f.variants)
    .map(([k, fs]) => `{${[`${f.tag}: "${k}"`, ...Object.keys(fs).map((n) => `${n}: …`)].join(", ")}}`)
    .join(" | ");
}

/** A value as shown in an error: JSON, at most 60 characters. */
export function show(v: unknown): string {
  const json = typeof v === "number" && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
  const s = v === undefined ? "nothing" : json;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function fail(path: string, f: Field, v: unknown, extra = ""): never {
  throw new SchemaError(`${path} must be ${describe(f)}, got ${show(v)}${extra}`, path);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Check one value against its field; `path` names it in the error. Returns the value (objects rebuilt). */
export function checkValue(f: Field, v: unknown, path: string): unknown {
  switch (f.type) {
    case "number":
    case "integer": {
      if (typeof v !== "number" || !Number.isFinite(v)) fail(path, f, v);
      if (f.type === "integer" && !Number.isSafeInteger(v)) fail(path, f, v);
      const exMin = f.type === "number" && f.exclusiveMin,
        exMax = f.type === "number" && f.exclusiveMax;
      if (f.min !== undefined && (exMin ? v <= f.min : v < f.min)) fail(path, f, v);
      if (f.max !== undefined && (exMax ? v >= f.max : v > f.max)) fail(path, f, v);
      return v;
    }
    case "boolean":
      if (typeof v !== "boolean") fail(path, f, v);
      return v;
    case "string":
      if (typeof v !== "string" || !f.pattern.test(v)) fail(path, f, v);
      return v;
    case "enum":
      if (typeof v !== "string" || !f.values.includes(v)) fail(path, f, v);
      return v;
    case "array": {
      if (!Array.isArray(v) || v.length < (f.minItems ?? 0)) fail(path, f, v);
      const out = v.map((x, i) => checkValue(f.items, x, `${path}[${i}]`));
      const distinct = new Set(out.map((x) => JSON.stringify(x))).size;
      if (f.unique && distinct !== out.length) fail(path, f, v, " (repeated value)");
      return out;
    }
    case "union": {
      if (!isObject(v)) fail(path, f, v);
      const tag = v[f.tag];
      const variant = typeof tag === "string" && Object.hasOwn(f.variants, tag) ? f.variants[tag] : undefined;
      if (!variant) fail(path, f, v);
      const { [f.tag]: _, ...rest } = v;
      return { [f.tag]: tag, ...checkFields(variant, rest, `${path}.`) };
    }
  }
}

/**
 * Check an object against its fields: unknown fields are refused with the list of valid ones, missing ones
 * are taken from `defaults` (or refused when there is none), each value is checked. Errors carry no location
 * prefix; `parseObject` adds it.
 */
function checkFields(
  fields: Fields,
  raw: Record<string, unknown>,
  prefix: string,
  defaults?: object,
): Record<string, unknown> {
  const names = Object.keys(fields);
  for (const k of Object.keys(raw)) {
    if (!Object.hasOwn(fields, k)) {
      const valid = names.length ? `fields are ${names.join(", ")}` : "it takes no other fields";
      throw new SchemaError(`unknown field "${prefix}${k}"; ${valid}`, prefix + k);
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of names) {
    const has = Object.hasOwn(raw, k);
    const d = defaults as Record<string, unknown> | undefined;
    if (!has && (d === undefined || !Object.hasOwn(d, k))) {
      if (fields[k].optional) continue;
      throw new SchemaError(`missing field "${prefix}${k}" (${describe(fields[k])})`, prefix + k);
    }
    out[k] = checkValue(fields[k], has ? raw[k] : d![k], prefix + k);
  }
  return out;
}

/** A typed schema: one field spec for every property of T. */
export interface Schema<T> {
  readonly fields: { readonly [K in keyof T]-?: Field };
  /**
   * Parse a JSON value (or JSON text) into a T. `where` starts every error (a file, `--set …`, `config`).
   * Missing fields are taken from `defaults` when given, else they are errors.
   * @throws SchemaError `<where>: <field> must be <allowed>, got <value>`
   */
  parse(raw: unknown, where: string, defaults?: T): T;
  /**
   * Turn the text of a `key=value` pair into the value of that field: numbers and booleans from their
   * literals, lists from `a,b` or JSON, objects from JSON or just their tag (`betaSchedule=constant`).
   * Then check it. @throws SchemaError naming the key, the text and the valid keys or values.
   */
  parseText(key: string, text: string, where: string): unknown;
}

const NUMBER_LITERAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A value from command-line text, guided by the field's type (a text that does not fit stays text). */
export function valueFromText(f: Field, t: string): unknown {
  switch (f.type) {
    case "number":
    case "integer":
      return NUMBER_LITERAL.test(t.trim()) ? Number(t) : t;
    case "boolean":
      return t === "true" ? true : t === "false" ? false : t;
    case "string":
    case "enum":
      return t;
    case "array":
      if (t.trim().startsWith("[")) return jsonOr(t);
      return t === "" ? [] : t.split(",").map((s) => valueFromText(f.items, s.trim()));
    case "union":
      return t.trim().startsWith("{") ? jsonOr(t) : { [f.tag]: t };
  }
}

function jsonOr(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}

/** Build the schema of an object type from one field spec per property. */
export function objectSchema<T>(fields: { readonly [K in keyof T]-?: Field }): Schema<T> {
  const all = fields as unknown as Fields;
  return {
    fields,
    parse(raw: unknown, where: string, defaults?: T): T {
      let value = raw;
      if (typeof raw === "string") {
        try {
          value = JSON.parse(raw);
        } catch (e) {
          throw new SchemaError(`${where}: not valid JSON (${(e as Error).message})`);
        }
      }
      if (!isObject(value)) {
        const names = Object.keys(all).join(", ");
        throw new SchemaError(`${where}: expected a JSON object with the fields ${names}, got ${show(value)}`);
      }
      try {
        return checkFields(all, value, "", (defaults ?? undefined) as object | undefined) as T;
      } catch (e) {
        if (e instanceof SchemaError) throw new SchemaError(`${where}: ${e.message}`, e.field);
        throw e;
      }
    },
    parseText(key: string, text: string, where: string): unknown {
      if (!Object.hasOwn(all, key)) {
        throw new SchemaError(`${where}: unknown key "${key}"; keys are ${Object.keys(all).join(", ")}`, key);
      }
      try {
        return checkValue(all[key], valueFromText(all[key], text), key);
      } catch (e) {
        if (e instanceof SchemaError) throw new SchemaError(`${where}: ${e.message}`, e.field);
        throw e;
      }
    },
  };
}

/** The schema as a table (README, `--help`): field, what it takes, doc line. */
export function schemaTable(s: { fields: object }): { field: string; allowed: string; doc: string }[] {
  return Object.entries(s.fields as Fields).map(([field, f]) => ({
    field,
    allowed: f.optional ? `${describe(f)} (optional)` : describe(f),
    doc: f.doc,
  }));
}
