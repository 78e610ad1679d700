/** The account screen's documents: password, devices, blocks, deleting the account. */
import { graphql } from "../gql";

export const AccountQuery = graphql(`
  query Account {
    me {
      email
      sessions {
        id
        device
        createdAt
        lastUsedAt
        current
      }
      blockedUsers {
        id
        username
        displayName
        avatarUrl
      }
    }
  }
`);

export const BlockedIdsQuery = graphql(`
  query BlockedIds {
    me {
      blockedUsers {
        id
      }
    }
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`);

export const EndSessionMutation = graphql(`
  mutation EndSession($id: ID!) {
    endSession(id: $id)
  }
`);

export const DeleteAccountMutation = graphql(`
  mutation DeleteAccount($password: String!) {
    deleteAccount(password: $password)
  }
`);

export const BlockUserMutation = graphql(`
  mutation BlockUser($userId: ID!) {
    blockUser(userId: $userId) {
      id
    }
  }
`);

export const UnblockUserMutation = graphql(`
  mutation UnblockUser($userId: ID!) {
    unblockUser(userId: $userId) {
      id
    }
  }
`);
