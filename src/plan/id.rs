//! Typed ids: an organization's slug and a post's id within its organization. Both are built
//! once, where the plans are read, and passed along as they are: never joined into one string
//! and split again.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.into())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s.into())
            }
        }

        impl From<Arc<str>> for $name {
            fn from(s: Arc<str>) -> Self {
                Self(s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                *self.0 == **other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An organization's id: its slug in the registry (`school-krapivino`), which is also its
    /// folder under `plans/` and `media/`. Cheap to clone: the text is shared.
    OrgId
);

id_type!(
    /// A post's id within its organization: the file name of a `.md` post, `<plan>#<date>` for
    /// a post of a `.yaml` plan, or an explicit `id:`. With the organization and the network it
    /// is the ledger's key. Cheap to clone: the text is shared.
    PostId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_print_and_share_their_text() {
        let a = OrgId::from("school");
        let b = a.clone();
        assert_eq!(a, "school");
        assert_eq!(a, b);
        assert_eq!(format!("{a} {a:?}"), "school \"school\"");
        assert!(
            std::ptr::eq(a.as_str(), b.as_str()),
            "a clone shares the text"
        );
        let p = PostId::from("plan#2026-12-01T09:00".to_owned());
        assert_eq!(&*p, "plan#2026-12-01T09:00");
        let set: std::collections::HashSet<PostId> = [p.clone()].into();
        assert!(set.contains("plan#2026-12-01T09:00"));
    }
}
