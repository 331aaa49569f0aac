//! A kind as documents and URLs name it: built in (the kind table) or custom (defined by a
//! CustomResourceKind, spelled exactly).

use std::fmt;

use super::{Column, Kind};

/// A built-in kind or a custom kind defined by a CustomResourceKind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// A built-in kind.
    Builtin(Kind),
    /// A custom kind, by its exact name.
    Custom(String),
}

impl ResourceKind {
    /// Resolves a command-line word: built-in names, plurals and aliases ignoring case, else a
    /// custom kind spelled exactly.
    #[must_use]
    pub fn lookup(word: &str) -> Self {
        Kind::lookup(word).map_or_else(|| Self::Custom(word.to_owned()), Self::Builtin)
    }

    /// Resolves `kind:` of a document: built-in names ignoring case, else a custom kind.
    #[must_use]
    pub fn from_document(name: &str) -> Self {
        Kind::from_name(name).map_or_else(|| Self::Custom(name.to_owned()), Self::Builtin)
    }

    /// Canonical name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Builtin(kind) => kind.name(),
            Self::Custom(name) => name,
        }
    }

    /// The built-in kind, if it is one.
    #[must_use]
    pub fn builtin(&self) -> Option<Kind> {
        match self {
            Self::Builtin(kind) => Some(*kind),
            Self::Custom(_) => None,
        }
    }

    /// The segment naming this kind in `/apis/v2/resources/<segment>`.
    #[must_use]
    pub fn url_segment(&self) -> &str {
        match self {
            Self::Builtin(kind) => kind.info().plural,
            Self::Custom(name) => name,
        }
    }

    /// Columns after NAME.
    #[must_use]
    pub fn columns(&self) -> &'static [Column] {
        self.builtin().map_or(&[], |k| k.info().columns)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Kind> for ResourceKind {
    fn from(kind: Kind) -> Self {
        Self::Builtin(kind)
    }
}

impl PartialEq<Kind> for ResourceKind {
    fn eq(&self, other: &Kind) -> bool {
        *self == Self::Builtin(*other)
    }
}

/// Written as its canonical name, as `kind:` of a document.
impl serde::Serialize for ResourceKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Read from `kind:` of a document: built-in names ignoring case, else a custom kind.
impl<'de> serde::Deserialize<'de> for ResourceKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from_document(&name))
    }
}
