import type { RequestContext } from './router.ts';

// GitHub's page-based pagination: `per_page` (default 30, at most 100) and
// `page`, with a `Link` header that Octokit's paginate follows.

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export function paginate<T>(context: RequestContext, all: readonly T[]): Page<T> {
  const perPage = Math.min(100, Math.max(1, positiveInt(context.query.get('per_page')) ?? 30));
  const page = positiveInt(context.query.get('page')) ?? 1;
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const link = (target: number, rel: string) => {
    const query = new URLSearchParams(context.query);
    query.set('per_page', String(perPage));
    query.set('page', String(target));
    return `<${context.state.baseUrl}${context.path}?${query}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, 'prev')] : []),
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first')] : []),
  ];
  return { items, headers: links.length ? { link: links.join(', ') } : {} };
}

function positiveInt(text: string | null): number | undefined {
  const value = Number(text);
  return text !== null && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
