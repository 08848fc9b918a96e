import type { RouteModel } from '../stack/model.js';

export interface RouteMatch {
  readonly route: RouteModel;
  readonly pathParameters: Record<string, string> | null;
}

interface Node {
  readonly literal: Map<string, Node>;
  param?: { name: string; node: Node };
  greedy?: { name: string; methods: Map<string, RouteModel> };
  readonly methods: Map<string, RouteModel>;
}

const newNode = (): Node => ({ literal: new Map(), methods: new Map() });

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Resource and method matching as API Gateway REST does it: literal path parts win over `{param}`,
 * which wins over `{proxy+}`; `ANY` answers every method a resource does not define itself; a
 * trailing slash names the same resource. No match -> the caller answers 403 Missing Authentication
 * Token (https://github.com/aws/chalice/issues/12).
 */
export class Router {
  private readonly root = newNode();

  constructor(routes: readonly RouteModel[]) {
    for (const route of routes) {
      let node = this.root;
      const parts = route.resourcePath.split('/').filter(Boolean);
      for (const [i, part] of parts.entries()) {
        const greedy = /^\{(.+)\+\}$/.exec(part);
        if (greedy && i === parts.length - 1) {
          node.greedy ??= { name: greedy[1] as string, methods: new Map() };
          node.greedy.methods.set(route.httpMethod, route);
          node = undefined as unknown as Node;
          break;
        }
        const param = /^\{(.+)\}$/.exec(part);
        if (param) {
          node.param ??= { name: param[1] as string, node: newNode() };
          node = node.param.node;
        } else {
          let next = node.literal.get(part);
          if (!next) node.literal.set(part, (next = newNode()));
          node = next;
        }
      }
      if (node) node.methods.set(route.httpMethod, route);
    }
  }

  /** `path` is the request path after the stage, starting with `/`. */
  match(path: string, method: string): RouteMatch | undefined {
    const segments = path.split('/').filter(Boolean).map(decode);
    return this.walk(this.root, segments, 0, method, {});
  }

  private walk(node: Node, segs: string[], i: number, method: string, params: Record<string, string>): RouteMatch | undefined {
    if (i === segs.length) {
      const route = node.methods.get(method) ?? node.methods.get('ANY');
      if (route) return { route, pathParameters: Object.keys(params).length > 0 ? { ...params } : null };
    } else {
      const seg = segs[i] as string;
      const lit = node.literal.get(seg);
      if (lit) {
        const m = this.walk(lit, segs, i + 1, method, params);
        if (m) return m;
      }
      if (node.param) {
        const m = this.walk(node.param.node, segs, i + 1, method, { ...params, [node.param.name]: seg });
        if (m) return m;
      }
    }
    if (node.greedy && i < segs.length) {
      const route = node.greedy.methods.get(method) ?? node.greedy.methods.get('ANY');
      if (route) return { route, pathParameters: { ...params, [node.greedy.name]: segs.slice(i).join('/') } };
    }
    return undefined;
  }
}
