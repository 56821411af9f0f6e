import type { GraphiQLOptions } from 'graphql-yoga';

/** The query GraphiQL opens with: one request for what the REST API needs many calls for. */
export const DEFAULT_QUERY = `# A contact with its conversations and their messages, in one request.
# Press the run button (or Ctrl+Enter). Add a search: contacts(first: 1, search: "tanaka")
query Inbox {
  contacts(first: 1) {
    nodes {
      id
      fullName
      email
      conversations(first: 5) {
        totalCount
        nodes {
          id
          channel
          subject
          status
          lastMessageAt
          messages(first: 5) {
            nodes { sentBy content status sentAt }
          }
        }
      }
    }
  }
}
`;

/** GraphiQL's page options: the inbox query, and the sandbox's key pre-filled in sandbox mode. */
export function graphiqlOptions(apiKey: string | undefined): GraphiQLOptions {
  return {
    title: 'HueChat GraphQL',
    defaultQuery: DEFAULT_QUERY,
    headers: JSON.stringify({ 'X-API-Key': apiKey ?? '' }, null, 2),
  };
}

/**
 * The GraphiQL bundle is ~9 MB of script and ~30 MB of heap: it is loaded on the first page view, not
 * at start-up, so an API-only gateway never holds it.
 */
export const renderGraphiQL = async (options: GraphiQLOptions) =>
  (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options);
