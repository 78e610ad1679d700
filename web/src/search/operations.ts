/** The search query the search panel sends (types from codegen, like src/api/operations.ts). */
import { graphql } from "../gql";

export const SEARCH_PAGE = 20;

export const SearchMessagesQuery = graphql(`
  query SearchMessages($query: String!, $first: Int, $after: String) {
    searchMessages(query: $query, first: $first, after: $after) {
      edges {
        cursor
        node {
          snippetParts {
            text
            highlighted
          }
          message {
            id
            conversationId
            seq
            createdAt
            sender {
              id
              displayName
            }
          }
          conversation {
            id
            displayTitle
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
