// Pieces every screen uses: the scaffold with the persistent Quick capture button and the
// bottom navigation, section cards, bullet lists, badges and form fields. Sized for shaking
// hands (48 dp targets) and large fonts (everything wraps; nothing has a fixed height).
package app.steady.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.statusBarsPadding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Person
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.TextUnit
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp

/** The four places the bottom bar leads to. */
enum class TopDestination(
    /** The label under the icon. */
    val label: String,
) {
    PEOPLE("People"),
    INCIDENTS("Incidents"),
    GUIDANCE("Guidance"),
    SYNC("Sync"),
}

/**
 * A screen: title bar (with Back when [onBack] is given), the persistent Quick capture button
 * (when [onCapture] is given), the bottom bar (when [current] is given; otherwise [bottomBar],
 * a screen's own pinned actions, always on screen), and a scrolling body.
 */
@Composable
fun SteadyScaffold(
    title: String,
    onBack: (() -> Unit)? = null,
    onCapture: (() -> Unit)? = null,
    current: TopDestination? = null,
    onNavigate: (TopDestination) -> Unit = {},
    actions: @Composable () -> Unit = {},
    bottomBar: @Composable () -> Unit = {},
    body: LazyListScope.() -> Unit,
) {
    Scaffold(
        topBar = { SteadyTopBar(title, onBack, actions) },
        floatingActionButton = {
            if (onCapture != null) {
                ExtendedFloatingActionButton(
                    onClick = onCapture,
                    icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                    text = { Text("Quick capture") },
                    containerColor = MaterialTheme.colorScheme.primary,
                    contentColor = MaterialTheme.colorScheme.onPrimary,
                    // The button's own text is not merged into its semantics (checked by
                    // tests/android AccessibilityTest), so TalkBack gets the label here.
                    modifier = Modifier.semantics { contentDescription = "Quick capture" },
                )
            }
        },
        bottomBar = {
            if (current != null) {
                NavigationBar {
                    TopDestination.entries.forEach { d ->
                        NavigationBarItem(
                            selected = d == current,
                            onClick = { onNavigate(d) },
                            icon = {
                                Icon(
                                    when (d) {
                                        TopDestination.PEOPLE -> Icons.Filled.Person
                                        TopDestination.INCIDENTS -> Icons.AutoMirrored.Filled.List
                                        TopDestination.GUIDANCE -> Icons.Filled.Info
                                        TopDestination.SYNC -> Icons.Filled.Refresh
                                    },
                                    contentDescription = null,
                                )
                            },
                            // Capped so four labels fit side by side at the largest font; the
                            // icons carry the same words for TalkBack.
                            label = { Text(d.label, maxLines = 1, softWrap = false, fontSize = cappedLabelSize()) },
                        )
                    }
                }
            } else {
                bottomBar()
            }
        },
    ) { padding ->
        LazyColumn(
            modifier = Modifier.fillMaxSize().padding(padding),
            contentPadding = PaddingValues(start = 16.dp, end = 16.dp, top = 8.dp, bottom = 96.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
            content = body,
        )
    }
}

/**
 * The title bar. Not Material's TopAppBar: that has a fixed height and clips a long title at
 * large font sizes, where this one wraps and grows.
 */
@Composable
private fun SteadyTopBar(
    title: String,
    onBack: (() -> Unit)?,
    actions: @Composable () -> Unit,
) {
    Surface(color = MaterialTheme.colorScheme.surface, modifier = Modifier.fillMaxWidth()) {
        Row(
            modifier =
                Modifier
                    .fillMaxWidth()
                    .statusBarsPadding()
                    .heightIn(min = 64.dp)
                    .padding(horizontal = 4.dp),
            verticalAlignment = Alignment.CenterVertically,
        ) {
            if (onBack != null) {
                IconButton(onClick = onBack) {
                    Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = "Back")
                }
            } else {
                Spacer(Modifier.width(12.dp))
            }
            Text(
                title,
                style = MaterialTheme.typography.titleLarge,
                modifier = Modifier.weight(1f).padding(vertical = 8.dp).semantics { heading() },
            )
            actions()
            Spacer(Modifier.width(8.dp))
        }
    }
}

/** The bottom bar's label size, growing with the user's font scale up to 1.3 times. */
@Composable
private fun cappedLabelSize(): TextUnit {
    val scale = LocalDensity.current.fontScale
    val base = MaterialTheme.typography.labelMedium.fontSize
    return if (scale > 1.3f) (base.value * 1.3f / scale).sp else base
}

/** A heading that TalkBack announces as one. */
@Composable
fun Heading(
    text: String,
    modifier: Modifier = Modifier,
) {
    Text(
        text,
        style = MaterialTheme.typography.titleMedium,
        fontWeight = FontWeight.Bold,
        modifier = modifier.semantics { heading() },
    )
}

/** A coloured card holding one section. */
@Composable
fun SectionCard(
    title: String,
    container: Color,
    content: Color,
    modifier: Modifier = Modifier,
    body: @Composable () -> Unit,
) {
    Card(
        modifier = modifier.fillMaxWidth(),
        colors = CardDefaults.cardColors(containerColor = container, contentColor = content),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Heading(title)
            body()
        }
    }
}

/** A list of short lines with bullets; [empty] when there are none. */
@Composable
fun Bullets(
    items: List<String>,
    empty: String = "Nothing recorded",
) {
    if (items.isEmpty()) {
        Text(empty, style = MaterialTheme.typography.bodyLarge)
    }
    items.forEach { line ->
        Row(verticalAlignment = Alignment.Top) {
            Text("•  ", style = MaterialTheme.typography.bodyLarge)
            Text(line, style = MaterialTheme.typography.bodyLarge)
        }
    }
}

/** A small rounded label (pending sync, overdue review). */
@Composable
fun Pill(
    text: String,
    container: Color,
    content: Color,
) {
    Surface(color = container, contentColor = content, shape = MaterialTheme.shapes.small) {
        Text(text, style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(horizontal = 8.dp, vertical = 4.dp))
    }
}

/** A labelled text field that grows with its text and shows its error below. */
@Composable
fun Field(
    label: String,
    value: String,
    onChange: (String) -> Unit,
    error: String? = null,
    singleLine: Boolean = false,
    modifier: Modifier = Modifier,
    keyboardOptions: KeyboardOptions = KeyboardOptions.Default,
    /** The field's rule, shown under it until an error takes its place. */
    hint: String? = null,
) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        isError = error != null,
        supportingText = (error ?: hint)?.let { { Text(it) } },
        singleLine = singleLine,
        keyboardOptions = keyboardOptions,
        modifier = modifier.fillMaxWidth().heightIn(min = 56.dp),
    )
}

/** A message strip (errors and confirmations). */
@Composable
fun MessageStrip(text: String) {
    Surface(
        color = MaterialTheme.colorScheme.secondaryContainer,
        contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
        shape = MaterialTheme.shapes.medium,
        modifier = Modifier.fillMaxWidth(),
    ) {
        Text(text, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(12.dp))
    }
}
