import { HTTP_METHODS, OTHER_METHOD, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import { sanitizeLabelValue } from '../src/core/exposition.ts';
import {
  createRouteMatcher,
  escapeLabelValue,
  METHOD_VALUES,
  methodIndex,
  negotiateFormat,
  normalizePath,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  pathOf,
  routeLabel,
  tanstackRoutes,
} from '../src/index.ts';

describe('method label', () => {
  it.each<[unknown, string]>([
    ...HTTP_METHODS.map((m): [unknown, string] => [m, m]),
    ['get', 'GET'],
    ['PROPFIND', OTHER_METHOD],
    ['', OTHER_METHOD],
    ['X'.repeat(100), OTHER_METHOD],
    [undefined, OTHER_METHOD],
  ])('%s → %s', (method, expected) => {
    expect(METHOD_VALUES[methodIndex(method)]).toBe(expected);
  });
});

describe('pathOf', () => {
  it.each([
    ['http://h:1/users/1?x=2#f', '/users/1'],
    ['https://h', '/'],
    ['/a/b?q', '/a/b'],
    ['/a#x', '/a'],
    ['*', '/'],
    ['/plain', '/plain'],
  ])('%s → %s', (url, path) => expect(pathOf(url)).toBe(path));
});

describe('route normaliser', () => {
  it.each([
    ['/users/123', '/users/:id'],
    ['/users/123/orders/456/items', '/users/:id/orders/:id/items'],
    ['/o/550e8400-e29b-41d4-a716-446655440000', '/o/:uuid'],
    ['/blob/d41d8cd98f00b204e9800998ecf8427e', '/blob/:hash'],
    ['/obj/507f1f77bcf86cd799439011', '/obj/:hash'],
    ['/t/aGVsbG8gd29ybGQgdGhpcyBpcyBh1', '/t/:token'],
    ['/api/v1/users', '/api/v1/users'],
    ['/health', '/health'],
    ['/', '/'],
    ['', '/'],
    ['/users/', '/users/'],
    ['/files/report-2024.pdf', '/files/report-2024.pdf'],
  ])('%s → %s', (path, expected) => expect(normalizePath(path)).toBe(expected));

  it('uses the template when known, UNMATCHED_ROUTE for an unmatched 404, the normaliser otherwise', () => {
    expect(routeLabel('/users/:id', 404, '/users/9')).toBe('/users/:id');
    expect(routeLabel(undefined, 404, '/wp-admin/x.php')).toBe(UNMATCHED_ROUTE);
    expect(routeLabel(undefined, 200, '/users/9')).toBe('/users/:id');
    expect(routeLabel('', 500, '/x/1')).toBe('/x/:id');
  });
});

describe('route matcher', () => {
  const match = createRouteMatcher([
    '/users/:id',
    '/users/me',
    '/orders/:id/items',
    '/files/*',
    '/posts/$postId',
    '/docs/$',
    '/a/{-$lang}/b',
    '/',
  ]);
  it.each([
    ['/users/1', '/users/:id'],
    ['/users/me', '/users/me'],
    ['/users/1/', '/users/:id'],
    ['/orders/7/items', '/orders/:id/items'],
    ['/files/a/b/c', '/files/*'],
    ['/posts/hello', '/posts/$postId'],
    ['/docs/x/y', '/docs/$'],
    ['/a/b', '/a/{-$lang}/b'],
    ['/a/en/b', '/a/{-$lang}/b'],
    ['/', '/'],
    ['/nope', undefined],
    ['/orders/7', undefined],
  ])('%s → %s', (path, expected) => expect(match(path)).toBe(expected));

  it('reports TanStack route ids while matching their full paths', () => {
    const routes = tanstackRoutes({
      routesById: {
        __root__: { id: '__root__' },
        '/_auth/dashboard': { fullPath: '/dashboard' },
        '/posts/$postId': { fullPath: '/posts/$postId' },
      },
    });
    const m = createRouteMatcher(routes);
    expect(m('/dashboard')).toBe('/_auth/dashboard');
    expect(m('/posts/12')).toBe('/posts/$postId');
  });
});

describe('exposition', () => {
  it('uses prom-client content types exactly', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe(promClient.Registry.PROMETHEUS_CONTENT_TYPE);
    expect(OPENMETRICS_CONTENT_TYPE).toBe(promClient.Registry.OPENMETRICS_CONTENT_TYPE);
    expect(PROMETHEUS_CONTENT_TYPE).toBe(promClient.register.contentType);
  });

  it.each([
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['*/*', 'prometheus'],
    // Prometheus 2.42's default scrape Accept header:
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text;q=0.2,text/plain', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
  ])('Accept %s → %s', (accept, format) => expect(negotiateFormat(accept)).toBe(format));

  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain')).toBe('plain');
  });

  it('makes invalid UTF-16 and control characters safe and truncates without splitting a pair', () => {
    expect(sanitizeLabelValue('a\uD800b', 100)).toBe('a\uFFFDb');
    expect(sanitizeLabelValue('a\uDC00', 100)).toBe('a\uFFFD');
    expect(sanitizeLabelValue('x\u0000y\r', 100)).toBe('x\uFFFDy\uFFFD');
    expect(sanitizeLabelValue('ab😀', 3)).toBe('ab');
    expect(sanitizeLabelValue('a'.repeat(500), 200)).toHaveLength(200);
    expect(sanitizeLabelValue('tab\tok\nline', 100)).toBe('tab\tok\nline');
  });
});
